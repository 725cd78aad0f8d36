"""Compute the quality-tier vectors of the bundled sample (src/paperwire/sample/).

    .venv/bin/python scripts/build_sample_vectors.py [--threads 2] [--batch-size 1]

Reads every paper of ``papers.jsonl.gz`` as the importer does, embeds ``paper_text(title,
abstract)`` with the quality tier (all-MiniLM-L6-v2, int8 ONNX) and writes
``quality_vectors.npz``: ``ids`` (str, the paper ids without version, in file order) and
``vectors`` (float16, shape (n, 384), rows L2-normalised before rounding). The archive holds no
timestamps, so a rebuild on the same machine gives the same bytes. Takes a few minutes
(texts cut at 192 tokens, as the quality tier cuts them).
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
import zipfile
from pathlib import Path
from typing import IO, cast

import numpy as np
from numpy.typing import NDArray

from paperwire.index.embed import OnnxEmbedder, paper_text
from paperwire.models import Paper
from paperwire.sources.arxiv_jsonl import parse_arxiv_jsonl

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "src" / "paperwire" / "sample" / "papers.jsonl.gz"
TARGET = SAMPLE.parent / "quality_vectors.npz"
CHUNK = 256


def read_papers(path: Path) -> list[Paper]:
    """Every paper of a daily-crawl JSONL file; any rejected line is an error."""
    papers: list[Paper] = []
    with gzip.open(path, "rb") as stream:
        for record in parse_arxiv_jsonl(cast(IO[bytes], stream), origin=path.name):
            if not isinstance(record, Paper):
                raise SystemExit(f"rejected: {record}")
            papers.append(record)
    return papers


def write_npz(path: Path, arrays: dict[str, NDArray[np.generic]]) -> None:
    """An ``np.load``-able .npz whose bytes depend only on the arrays (fixed member dates)."""
    tmp = path.with_suffix(".npz.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args(argv)

    papers = read_papers(SAMPLE)
    embedder = OnnxEmbedder(threads=args.threads, batch_size=args.batch_size)
    texts = [paper_text(p.title, p.abstract) for p in papers]
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    started = time.perf_counter()
    for start in range(0, len(texts), CHUNK):
        vectors[start : start + CHUNK] = embedder.encode(texts[start : start + CHUNK])
        done = min(start + CHUNK, len(texts))
        rate = done / (time.perf_counter() - started)
        sys.stderr.write(f"{done}/{len(texts)} papers, {rate:.1f}/s\n")
    ids = np.array([p.id for p in papers], dtype=str)
    write_npz(args.out, {"ids": ids, "vectors": vectors.astype(np.float16)})
    sys.stderr.write(f"wrote {args.out} ({len(ids)} x {embedder.dim}, {embedder.name})\n")


if __name__ == "__main__":
    main()
