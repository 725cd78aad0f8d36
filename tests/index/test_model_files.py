"""Each embedding model file's SHA-256 is checked when it loads: a damaged or replaced file
is a clear error naming it, never vectors of another model."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from paperwire.index.embed import (
    ASSETS,
    CHECKSUMS,
    MINILM_TOKENIZER,
    QUALITY_MAX_TOKENS,
    QUALITY_MODEL,
    ModelFileError,
    OnnxEmbedder,
    StaticEmbedder,
    file_sha256,
    model_identity,
    quality_encoder,
)


def copy_assets(tmp_path: Path) -> Path:
    """The shipped model files and their SHA256SUMS in a folder of their own."""
    folder = tmp_path / "assets"
    shutil.copytree(ASSETS, folder)
    return folder


def flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


def test_the_sums_name_every_file_the_tiers_load() -> None:
    """``sha256sum -c`` agrees with the shipped files (the format is sha256sum's own)."""
    listed = {line.split("  ", 1)[1] for line in CHECKSUMS.read_text().splitlines()}
    assert listed == {
        "minilm-tokenizer.json",
        "minilm-int8.onnx",
        "minilm-static/model.safetensors",
        "minilm-static/tokenizer.json",
        "minilm-static/config.json",
    }
    if shutil.which("sha256sum"):
        done = subprocess.run(
            ["sha256sum", "--check", "--strict", CHECKSUMS.name],
            cwd=ASSETS,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_shipped_models_load() -> None:
    assert StaticEmbedder().encode(["sparse attention"]).shape == (1, 256)
    assert OnnxEmbedder(threads=1).encode(["sparse attention"]).shape == (1, 384)


@pytest.mark.parametrize("name", ["model.safetensors", "tokenizer.json", "config.json"])
def test_a_changed_static_model_file_is_refused(tmp_path: Path, name: str) -> None:
    assets = copy_assets(tmp_path)
    changed = assets / "minilm-static" / name
    flip_last_byte(changed)
    with pytest.raises(ModelFileError) as raised:
        StaticEmbedder(assets / "minilm-static", sums=assets / "SHA256SUMS")
    message = str(raised.value)
    assert f"the embedding model file {changed} has SHA-256 {file_sha256(changed)}" in message
    assert "expected " in message and "damaged or not the file paperwire was built with" in message


def test_a_model_file_without_a_digest_is_refused(tmp_path: Path) -> None:
    assets = copy_assets(tmp_path)
    sums = assets / "SHA256SUMS"
    kept = [line for line in sums.read_text().splitlines() if "model.safetensors" not in line]
    sums.write_text("\n".join(kept) + "\n")
    missing = r"has no SHA-256 of the model file .*model.safetensors"
    with pytest.raises(ModelFileError, match=missing):
        StaticEmbedder(assets / "minilm-static", sums=sums)


def test_a_changed_quality_model_is_refused(tmp_path: Path) -> None:
    assets = copy_assets(tmp_path)
    model, sums = assets / QUALITY_MODEL.name, assets / "SHA256SUMS"
    tokenizer = assets / MINILM_TOKENIZER.name
    assert OnnxEmbedder(model_path=model, tokenizer_path=tokenizer, sums=sums, threads=1).dim
    flip_last_byte(model)
    with pytest.raises(ModelFileError, match=f"the embedding model file {model} has SHA-256"):
        OnnxEmbedder(model_path=model, tokenizer_path=tokenizer, sums=sums, threads=1)


def test_each_tier_is_known_by_its_weights_digest(tmp_path: Path) -> None:
    """What ``index_models`` records: it changes with the weights, not with anything else."""
    assets = copy_assets(tmp_path)
    sums = assets / "SHA256SUMS"
    assert model_identity("fast", sums) == model_identity("fast")
    assert model_identity("quality") == (
        f"minilm-int8.onnx:{file_sha256(QUALITY_MODEL)}:{QUALITY_MAX_TOKENS}"
    )
    assert model_identity("fast") != model_identity("quality")
    kept = [line for line in sums.read_text().splitlines() if "onnx" not in line]
    sums.write_text("\n".join(kept) + "\n")
    with pytest.raises(ModelFileError, match="has no SHA-256 of the model file"):
        model_identity("quality", sums)


def test_a_changed_tokenizer_of_the_quality_tier_is_refused(tmp_path: Path) -> None:
    assets = copy_assets(tmp_path)
    tokenizer = assets / MINILM_TOKENIZER.name
    flip_last_byte(tokenizer)
    with pytest.raises(ModelFileError, match=f"the embedding model file {tokenizer} has"):
        OnnxEmbedder(
            model_path=assets / QUALITY_MODEL.name,
            tokenizer_path=tokenizer,
            sums=assets / "SHA256SUMS",
            threads=1,
        )


@pytest.mark.parametrize("processes", [1, 2])
def test_the_quality_encoder_names_a_damaged_model_file_before_it_starts(
    tmp_path: Path, processes: int
) -> None:
    assets = copy_assets(tmp_path)
    model = assets / QUALITY_MODEL.name
    with quality_encoder(processes, sums=assets / "SHA256SUMS") as encode:
        assert encode(["A paper about graphs."]).shape == (1, OnnxEmbedder.dim)
    flip_last_byte(model)
    with pytest.raises(ModelFileError, match=f"the embedding model file {model} has SHA-256"):
        with quality_encoder(processes, sums=assets / "SHA256SUMS"):
            pass
