"""Vendor KaTeX from the npm registry into src/paperwire/web/static/katex/.

    .venv/bin/python scripts/vendor_katex.py [--version 0.19.1]

Runs ``npm pack katex@VERSION`` in a temporary folder (npm checks the tarball against the
registry's integrity hash), unpacks it and copies exactly what the pages load:

- ``katex.min.js``, ``katex.min.css`` and ``contrib/auto-render.min.js``;
- the ``fonts/*.woff2`` files (every browser paperwire supports reads woff2, so the CSS's
  ``woff``/``ttf`` fallbacks are never fetched);
- KaTeX's ``LICENSE`` (MIT), kept beside them.

It writes ``VERSION`` (the version and the tarball's integrity) so a later run can tell
what is vendored. The output is deterministic: the same version gives the same files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "0.19.1"
ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "paperwire" / "web" / "static" / "katex"
FILES = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")


def npm_pack(version: str, work: Path) -> tuple[Path, str]:
    """Download the package tarball; return its path and its integrity string."""
    out = subprocess.run(
        ["npm", "pack", f"katex@{version}", "--json", "--pack-destination", str(work)],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(out.stdout)[0]
    if info["version"] != version:
        raise SystemExit(f"npm returned katex {info['version']}, expected {version}")
    return work / info["filename"], str(info["integrity"])


def unpack(tarball: Path, work: Path) -> Path:
    with tarfile.open(tarball) as archive:
        archive.extractall(work, filter="data")
    return work / "package"


def vendor(version: str, target: Path) -> list[Path]:
    with tempfile.TemporaryDirectory(prefix="katex-") as tmp:
        work = Path(tmp)
        tarball, integrity = npm_pack(version, work)
        package = unpack(tarball, work)
        dist = package / "dist"
        if target.exists():
            shutil.rmtree(target)
        written: list[Path] = []
        for name in FILES:
            dest = target / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(dist / name, dest)
            written.append(dest)
        (target / "fonts").mkdir(parents=True, exist_ok=True)
        for font in sorted((dist / "fonts").glob("*.woff2")):
            dest = target / "fonts" / font.name
            shutil.copyfile(font, dest)
            written.append(dest)
        shutil.copyfile(package / "LICENSE", target / "LICENSE")
        written.append(target / "LICENSE")
        (target / "VERSION").write_text(f"katex {version}\nnpm integrity {integrity}\n")
        written.append(target / "VERSION")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=VERSION, help=f"KaTeX version (default {VERSION})")
    parser.add_argument("--target", type=Path, default=TARGET, help="output folder")
    args = parser.parse_args(argv)
    if shutil.which("npm") is None:
        sys.stderr.write("npm is needed to fetch KaTeX from the npm registry\n")
        return 1
    written = vendor(args.version, args.target)
    size = sum(p.stat().st_size for p in written)
    sys.stdout.write(
        f"katex {args.version}: {len(written)} files, {size:,} bytes -> {args.target}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
