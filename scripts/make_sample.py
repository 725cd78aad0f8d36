"""Rebuild the bundled sample (src/paperwire/sample/papers.jsonl.gz) from the daily corpus.

    python scripts/make_sample.py [../shared/data/arxiv_daily_cs_2025_2026.jsonl.gz]

Takes the papers of the latest feed days until there are at least 3,000, unchanged, in
corpus order. The output is deterministic (gzip mtime 0), so rebuilding changes nothing.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
TARGET = ROOT / "src" / "paperwire" / "sample" / "papers.jsonl.gz"
WANTED = 3000


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    with gzip.open(source, "rt", encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    last_day = {i: max(json.loads(line)["feed_dates"]) for i, line in enumerate(lines)}
    days = sorted(set(last_day.values()), reverse=True)
    chosen: set[str] = set()
    for day in days:
        chosen.add(day)
        if sum(1 for d in last_day.values() if d in chosen) >= WANTED:
            break
    keep = [line for i, line in enumerate(lines) if last_day[i] in chosen]
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with TARGET.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write("".join(keep).encode("utf-8"))
    print(f"{len(keep)} papers from {min(chosen)} to {max(chosen)} -> {TARGET}")  # noqa: T201


if __name__ == "__main__":
    main()
