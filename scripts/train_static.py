"""Train the fast tier's static model on sentences: the quality tier's embeddings of real text
as targets (the idea of model2vec's tokenlearn), without torch.

The static model embeds a text as the mean of its tokens' vectors. Distilled from
all-MiniLM-L6-v2's token embeddings alone (``scripts/build_models.py``), it never saw how the
transformer reads whole sentences. Here each token vector is fitted so that the mean over a
text's tokens matches the transformer's own embedding of that text, over texts of the shared
arXiv corpus:

1. texts: for a seeded draw of papers of ``--corpus`` (by default 60,000; never a paper of
   the benchmarks' query sets, nor one first announced from ``--hold-out-from`` on, so
   figures measured on the bundled sample and on later papers are out of training), the
   title with the abstract (as papers are embedded) and the title alone (as short queries);
2. targets: the quality tier (``OnnxEmbedder``, the ONNX MiniLM of ``--teacher-assets``,
   cut at 128 tokens) embeds every text (``--teacher-db`` takes the papers' vectors from a
   database the same model filled: ``paperwire index --quality``); the targets are these
   vectors projected by PCA to the static model's dimensions (cached in ``--work``, so a
   second run only fits);
3. fit: with ``A`` the texts x vocabulary matrix of token shares (each row a text's token
   counts over its length, the way model2vec pools), the token vectors ``E`` solve
   ``min |A E - Y|^2 + lam |E - E0|^2`` by conjugate gradients, where ``E0`` is the distilled
   model mapped into the targets' space by least squares: tokens the corpus never shows keep
   their distilled meaning;
4. the result is quantised (int8 by default) and saved in model2vec's layout, normalised
   mean pooling as before, so ``StaticEmbedder`` loads it unchanged.

``scripts/build_models.py`` runs it as the last step of a build. Alone, from the
repository root with the project venv (``--base``: the distilled model the build makes):

    .venv/bin/python scripts/train_static.py --base /tmp/distilled --out /tmp/static-x
    .venv/bin/python scripts/train_static.py --base /tmp/distilled --out /tmp/static-x \\
        --teacher-db sqlite:////tmp/bench/bench.db --papers 20000 --lam 0.1

A model written elsewhere than ``assets/minilm-static`` is not loaded by paperwire until
it is copied there and its digests are written into ``assets/SHA256SUMS``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import sparse  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
ASSETS = ROOT / "src" / "paperwire" / "index" / "assets"
STATIC = ASSETS / "minilm-static"
#: The query sets of the benchmarks: their target papers are never trained on.
QUERY_SETS = [ROOT / "benchmarks" / "paraphrase_queries.jsonl"]
#: The bundled sample's first day: papers from then on stay out of training.
HOLD_OUT_FROM = "2026-06-16"
MAX_TOKENS = 512  # model2vec's max_length for the static model

Matrix = NDArray[np.float32]


def held_out_ids() -> set[str]:
    ids: set[str] = set()
    for path in QUERY_SETS:
        if path.exists():
            with path.open(encoding="utf-8") as f:
                ids.update(json.loads(line)["id"] for line in f if line.strip())
    return ids


def first_day(record: dict[str, object]) -> str:
    days = record.get("feed_dates") or []
    return str(min(days)) if isinstance(days, list) and days else ""


def training_papers(
    corpus: Path, papers: int, seed: int, hold_out_from: str
) -> list[tuple[str, str, str]]:
    """(id, title, abstract) of a seeded draw of the corpus's papers."""
    skip = held_out_ids()
    pool: list[tuple[str, str, str]] = []
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            pid = str(record.get("id") or "")
            title = " ".join(str(record.get("title") or "").split())
            abstract = " ".join(str(record.get("summary") or "").split())
            if not pid or not title or not abstract or pid in skip:
                continue
            if first_day(record) >= hold_out_from:
                continue
            pool.append((pid, title, abstract))
    return random.Random(seed).sample(pool, min(papers, len(pool)))


def stored_vectors(url: str, ids: list[str]) -> dict[str, Matrix]:
    """The quality vectors a paperwire database holds for ``ids`` (the same model, cut
    and text as the teacher: ``paperwire index --quality`` computed them)."""
    from paperwire.index.tiers import QUALITY
    from paperwire.store import open_store

    store = open_store(url)
    try:
        found: dict[str, Matrix] = {}
        for lo in range(0, len(ids), 5000):
            for pid, raw in store.vectors_of(QUALITY, ids[lo : lo + 5000]).items():
                found[pid] = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        return found
    finally:
        store.close()


def teacher_vectors(texts: list[str], work: Path, known: dict[int, Matrix], assets: Path) -> Matrix:
    """The quality tier's embeddings of ``texts`` (rows of ``known`` taken as they are),
    by the quality model in ``assets``, cached by the texts' and the model's digest."""
    from paperwire.index.embed import (
        MINILM_TOKENIZER,
        QUALITY_MODEL,
        OnnxEmbedder,
        model_identity,
    )

    sums = assets / "SHA256SUMS"
    digest = hashlib.sha256(
        "\n".join([model_identity("quality", sums), *texts]).encode()
    ).hexdigest()[:16]
    cache = work / f"teacher-{digest}.npy"
    if cache.exists():
        cached: Matrix = np.load(cache)
        return cached
    embedder = OnnxEmbedder(
        model_path=assets / QUALITY_MODEL.name,
        tokenizer_path=assets / MINILM_TOKENIZER.name,
        sums=sums,
        max_tokens=128,
    )
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for row, vector in known.items():
        out[row] = vector
    todo = [i for i in range(len(texts)) if i not in known]
    start = time.monotonic()
    step = 2048
    for lo in range(0, len(todo), step):
        rows = todo[lo : lo + step]
        out[rows] = embedder.encode([texts[i] for i in rows])
        done = min(lo + step, len(todo))
        rate = done / (time.monotonic() - start)
        sys.stderr.write(f"teacher: {done:,}/{len(todo):,} texts ({rate:.0f}/s)\n")
    work.mkdir(parents=True, exist_ok=True)
    np.save(cache, out)
    return out


def token_shares(tokenizer: object, texts: list[str], vocab: int) -> sparse.csr_matrix:
    """Texts x vocabulary: each row a text's token counts over its token count."""
    encodings = tokenizer.encode_batch_fast(texts, add_special_tokens=False)  # type: ignore[attr-defined]
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, encoding in enumerate(encodings):
        ids = encoding.ids[:MAX_TOKENS]
        if not ids:
            continue
        share = 1.0 / len(ids)
        rows.extend([i] * len(ids))
        cols.extend(ids)
        vals.extend([share] * len(ids))
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), vocab), dtype=np.float32)
    matrix.sum_duplicates()
    return matrix


def solve(a: sparse.csr_matrix, y: Matrix, e0: Matrix, lam: float, iterations: int) -> Matrix:
    """``(A'A + lam I) E = A'Y + lam E0`` by conjugate gradients, all columns at once."""
    at = a.T.tocsr()

    def apply(p: Matrix) -> Matrix:
        return np.asarray(at @ (a @ p), dtype=np.float32) + lam * p

    rhs = np.asarray(at @ y, dtype=np.float32) + lam * e0
    e = e0.copy()
    r = rhs - apply(e)
    p = r.copy()
    rs = (r * r).sum(axis=0)
    first = float(np.sqrt(rs.sum()))
    for step in range(iterations):
        ap = apply(p)
        alpha = rs / np.maximum((p * ap).sum(axis=0), 1e-30)
        e += p * alpha
        r -= ap * alpha
        new = (r * r).sum(axis=0)
        p = r + p * (new / np.maximum(rs, 1e-30))
        rs = new
        if step % 25 == 0 or step == iterations - 1:
            sys.stderr.write(f"fit: step {step}, residual {np.sqrt(rs.sum()) / first:.2e}\n")
    return e


def train(args: argparse.Namespace) -> None:
    from model2vec import StaticModel
    from model2vec.quantization import DType, quantize_embeddings

    base = StaticModel.from_pretrained(args.base)
    e0_raw = np.asarray(base.embedding, dtype=np.float32)
    vocab, dims = e0_raw.shape
    from paperwire.index.embed import paper_text

    chosen = training_papers(args.corpus, args.papers, args.seed, args.hold_out_from)
    texts = [paper_text(title, abstract) for _, title, abstract in chosen]
    texts += [title for _, title, _ in chosen]
    known: dict[int, Matrix] = {}
    if args.teacher_db:
        stored = stored_vectors(args.teacher_db, [pid for pid, _, _ in chosen])
        known = {i: stored[pid] for i, (pid, _, _) in enumerate(chosen) if pid in stored}
    sys.stderr.write(f"texts: {len(texts):,} of {len(chosen):,} papers, {len(known):,} stored\n")
    teacher = teacher_vectors(texts, args.work, known, args.teacher_assets)

    mean = teacher.mean(axis=0)
    _, _, vt = np.linalg.svd(teacher - mean, full_matrices=False)
    y = ((teacher - mean) @ vt[:dims].T).astype(np.float32)

    a = token_shares(base.tokenizer, texts, vocab)
    # The distilled vectors, mapped into the targets' space (least squares on the texts).
    pooled = np.asarray(a @ e0_raw, dtype=np.float32)
    mapping, *_ = np.linalg.lstsq(pooled, y, rcond=None)
    e0 = (e0_raw @ mapping).astype(np.float32)
    e = solve(a, y, e0, args.lam, args.iterations)

    kind = DType(args.quantize_to)
    vectors = quantize_embeddings(e, kind)
    config = dict(base.config)
    config.update({"hidden_dim": dims, "embedding_dtype": args.quantize_to})
    config["trained"] = (
        f"sentence targets: {args.papers} papers of the daily corpus (seed {args.seed}), "
        f"quality tier at 128 tokens, PCA {dims}, lam {args.lam}, {args.iterations} CG steps"
    )
    model = StaticModel(
        vectors=vectors,
        tokenizer=base.tokenizer,
        config=config,
        normalize=True,
        base_model_name=str(config.get("tokenizer_name", "")),
    )
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    for path in args.out.iterdir():
        path.chmod(0o644)
    sys.stderr.write(f"wrote {args.out}\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument(
        "--base",
        type=Path,
        required=True,
        help="the distilled model (scripts/build_models.py makes it)",
    )
    parser.add_argument("--out", type=Path, default=STATIC)
    parser.add_argument("--work", type=Path, default=Path("/tmp/paperwire-static-train"))
    parser.add_argument("--papers", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--hold-out-from", default=HOLD_OUT_FROM)
    parser.add_argument(
        "--teacher-assets",
        type=Path,
        default=ASSETS,
        help="the folder of the quality model that is the teacher, with its SHA256SUMS",
    )
    parser.add_argument(
        "--teacher-db",
        help="a paperwire database URL whose quality vectors serve as the papers' targets",
    )
    parser.add_argument("--lam", type=float, default=0.05)
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--quantize-to", choices=["float16", "int8"], default="int8")
    train(parser.parse_args(argv))


if __name__ == "__main__":
    main()
