"""Questions in a reader's own words -> paper, for every search mode and a tf-idf baseline.

    python benchmarks/paraphrase_quality.py                          # full corpus, fast tier
    python benchmarks/paraphrase_quality.py --workdir /tmp/pwpara    # keep and reuse the index
    python benchmarks/paraphrase_quality.py --quality                # then the quality tier too
    python benchmarks/paraphrase_quality.py --quality-pool 2000      # quality tier on a pool
    python benchmarks/paraphrase_quality.py --verbose --json
    python benchmarks/paraphrase_quality.py --check                  # only check the set
    python benchmarks/paraphrase_quality.py --draw                   # show the drawn papers

The set, ``benchmarks/paraphrase_queries.jsonl``, holds one line per paper,
``{"id": ..., "query": ...}``: the question a researcher would ask when looking for
such work without knowing the paper, written by reading its abstract. A query uses no
content word of the paper's title (in any inflection) and none of the abstract's rare
names (methods, acronyms, data sets); it says what the paper does or finds in plain
words, specific enough that a reader would judge the paper a right answer.

The papers were drawn, not picked: over the 74,728-paper corpus, the papers with an
abstract of at least 400 characters are grouped by their first category; categories
with at least 100 such papers get a share of 80 papers in proportion to the square
root of their size (largest remainders, ties by name), and each category's papers,
sorted by id, are sampled with ``random.Random(14)`` in category-name order
(``draw`` below; ``--draw`` prints them). Every drawn paper has a query, in draw order.

First the set is checked: every id is in the corpus, ids are unique, there are at
least 60 queries of 8-25 words each, and no query shares a content word with its
paper's title (words lower-cased, English stop words removed, compared by a light stem
and a shared prefix). It prints how many queries share any title word and, for information, the
mean share of query words found in the abstract; a query with a title word makes it
exit with status 2, naming the lines.

Then the whole corpus is imported into a new SQLite database (in a temporary folder, or
``--workdir DIR`` to keep it; a later run reuses it) the way ``paperwire import`` does,
titles included, as on a new install, and indexed as ``paperwire index`` does (keyword
index, fast-tier vectors, topics, similar papers). It prints MRR@10 and recall@10 for
paperwire's keyword, semantic and hybrid modes and, in the same run, for a tf-idf
baseline with arxiv-sanity-lite's parameters (max_features 20000, ngrams 1-2, min_df 5,
max_df 0.1, sublinear tf, l2, English stop words, over title + abstract; cosine rank).
For each tier it also prints what any fusion of the keyword and semantic lists can
reach at most: the MRR@10 of picking, per query, whichever list ranks the paper higher,
and the share of papers either list has in its first 10 (the MRR@10 of a fusion that
put every one of them first).

A reused database that already holds quality vectors gives quality-tier figures only
(search uses that tier as soon as it has any vector).

``--quality`` then fills the quality tier for every paper (``paperwire index
--quality``; about two hours here) and prints the three modes again.
``--quality-pool N`` leaves the full corpus at the fast tier and also imports only the
target papers and N other papers (drawn with ``--seed``, default 7) into a second
database, fills both tiers there, and ranks within that pool for every method: fast
tier, quality tier and tf-idf (fitted on the pool). Those figures are for a small
corpus and say so.

``--processes N`` sets the processes that compute the similar-paper lists during
indexing (default: every core, as ``paperwire index``); ``--no-similar`` leaves those
lists out (search does not read them; at one process they take about half an hour of
the full corpus here), and the index time printed is then without them.

``--verbose`` prints each query's share of title and abstract words and its rank in
hybrid mode (beyond 10: its rank among the first 100, or ``-``). ``--json`` prints the
figures as one JSON object on stdout (the progress goes to stderr), with each query's
rank per method (keyword and semantic: in the first 10 or null; tf-idf: full rank).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.index.search import MODES, Mode, Searcher
from paperwire.index.tiers import QUALITY
from paperwire.ingest import import_files
from paperwire.models import Paper
from paperwire.sources.arxiv_jsonl import parse_record
from paperwire.store import open_store
from paperwire.store.base import Store

CORPUS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
)
QUERIES = Path(__file__).resolve().parent / "paraphrase_queries.jsonl"

DRAW_SEED = 14
DRAW_SIZE = 80
MIN_ABSTRACT = 400
MIN_CATEGORY = 100
MIN_QUERIES = 60
WORDS = (8, 25)

WORD = re.compile(r"[a-z0-9]+")
SUFFIXES = (
    "ations",
    "ation",
    "ings",
    "ing",
    "ions",
    "ion",
    "ers",
    "ors",
    "ies",
    "ied",
    "ed",
    "es",
    "er",
    "or",
    "ly",
    "al",
    "s",
    "e",
    "y",
)

_log = sys.stdout


def log(text: str = "") -> None:
    print(text, file=_log, flush=True)


# -- the corpus and the draw --------------------------------------------------------------


@dataclass(slots=True)
class Corpus:
    papers: list[Paper]
    lines: dict[str, bytes]  # the raw JSON line of each paper, by id

    def by_id(self) -> dict[str, Paper]:
        return {p.id: p for p in self.papers}


def load() -> Corpus:
    papers: list[Paper] = []
    lines: dict[str, bytes] = {}
    with gzip.open(CORPUS, "rb") as f:
        for n, line in enumerate(f):
            paper = parse_record(json.loads(line), where=str(n))
            papers.append(paper)
            lines[paper.id] = line
    return Corpus(papers, lines)


def draw(papers: list[Paper], size: int = DRAW_SIZE, seed: int = DRAW_SEED) -> list[Paper]:
    """The papers the set is made of (see the module docstring)."""
    groups: dict[str, list[Paper]] = {}
    for p in papers:
        if len(p.abstract) >= MIN_ABSTRACT and p.categories:
            groups.setdefault(p.categories[0], []).append(p)
    groups = {c: ps for c, ps in groups.items() if len(ps) >= MIN_CATEGORY}
    weight = {c: math.sqrt(len(ps)) for c, ps in groups.items()}
    total = sum(weight.values())
    exact = {c: size * w / total for c, w in weight.items()}
    quota = {c: int(x) for c, x in exact.items()}
    left = size - sum(quota.values())
    for c in sorted(exact, key=lambda c: (-(exact[c] - quota[c]), c))[:left]:
        quota[c] += 1
    rng = random.Random(seed)
    out: list[Paper] = []
    for c in sorted(groups):
        out.extend(rng.sample(sorted(groups[c], key=lambda p: p.id), quota[c]))
    return out


# -- checking the set ---------------------------------------------------------------------


def stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str, stops: frozenset[str]) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if w not in stops and len(w) > 1]


def same_word(a: str, b: str) -> bool:
    """Two words are one content word in different inflections (light stem, then a
    prefix of at least 4 letters, or 6 shared letters)."""
    if a == b:
        return True
    sa, sb = stem(a), stem(b)
    if sa == sb:
        return True
    short, long_ = sorted((sa, sb), key=len)
    if len(short) >= 4 and long_.startswith(short):
        return True
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared >= 6


@dataclass(slots=True)
class Query:
    line: int
    paper_id: str
    text: str


def read_set(path: Path) -> list[Query]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            record = json.loads(line)
            out.append(Query(n, str(record["id"]), str(record["query"])))
    return out


def check(queries: list[Query], corpus: Corpus, *, verbose: bool = False) -> dict[str, Any]:
    """Checks the set; exits with status 2 naming the lines when it breaks a rule."""
    papers = corpus.by_id()
    stops = stop_words()
    problems: list[str] = []
    if len(queries) < MIN_QUERIES:
        problems.append(f"only {len(queries)} queries (at least {MIN_QUERIES})")
    seen: Counter[str] = Counter(q.paper_id for q in queries)
    for q in queries:
        if q.paper_id not in papers:
            problems.append(f"line {q.line}: {q.paper_id} is not in the corpus")
        elif seen[q.paper_id] > 1:
            problems.append(f"line {q.line}: {q.paper_id} appears {seen[q.paper_id]} times")
    drawn = [p.id for p in draw(corpus.papers)]
    missing = [pid for pid in drawn if pid not in seen]
    extra = [q.paper_id for q in queries if q.paper_id not in set(drawn)]
    with_title = 0
    title_share: list[float] = []
    abstract_share: list[float] = []
    lengths: list[int] = []
    for q in queries:
        paper = papers.get(q.paper_id)
        if paper is None:
            continue
        words = content_words(q.text, stops)
        lengths.append(len(q.text.split()))
        if not WORDS[0] <= lengths[-1] <= WORDS[1]:
            problems.append(f"line {q.line}: {lengths[-1]} words ({WORDS[0]}-{WORDS[1]})")
        title = set(content_words(paper.title, stops))
        abstract = set(content_words(paper.abstract, stops))
        hits = [w for w in words if any(same_word(w, t) for t in title)]
        title_share.append(len(hits) / len(words) if words else 0.0)
        abstract_share.append(sum(1 for w in words if w in abstract) / len(words) if words else 0.0)
        if verbose:
            log(
                f"  line {q.line:>3} {q.paper_id}: {len(words)} content words, "
                f"in title {title_share[-1]:.0%}, in abstract {abstract_share[-1]:.0%}"
            )
        if hits:
            with_title += 1
            problems.append(
                f"line {q.line}: {q.paper_id} uses title words {sorted(set(hits))} "
                f"(title: {paper.title!r})"
            )
    shortest, longest = (min(lengths), max(lengths)) if lengths else (0, 0)
    summary: dict[str, Any] = {
        "queries": len(queries),
        "drawn": len(drawn),
        "drawn_without_query": missing,
        "not_drawn": extra,
        "queries_with_title_words": with_title,
        "mean_title_word_share": float(np.mean(title_share)) if title_share else 0.0,
        "mean_abstract_word_share": float(np.mean(abstract_share)) if abstract_share else 0.0,
        "words_per_query": [shortest, longest],
    }
    log(
        f"set: {len(queries)} queries ({len(drawn) - len(missing)} of the {len(drawn)} drawn "
        f"papers, {len(extra)} not drawn), {shortest}-{longest} words; {with_title} share "
        f"a content word with the title; query words in the abstract: "
        f"{summary['mean_abstract_word_share']:.0%}"
    )
    if problems:
        print("the paraphrase set breaks its rules:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        sys.exit(2)
    return summary


# -- ranking ------------------------------------------------------------------------------


def metrics(ranks: list[int | None]) -> dict[str, float]:
    found = [r for r in ranks if r is not None and r <= 10]
    return {
        "MRR@10": sum(1.0 / r for r in found) / len(ranks),
        "recall@10": len(found) / len(ranks),
    }


def rank_of(target: str, ids: list[str]) -> int | None:
    return ids.index(target) + 1 if target in ids else None


def tfidf_ranks(papers: list[Paper], queries: list[Query]) -> list[int]:
    """Each target's rank (1 = first) by cosine over arxiv-sanity-lite's tf-idf."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        max_features=20000,
        ngram_range=(1, 2),
        min_df=5,
        max_df=0.1,
        sublinear_tf=True,
        norm="l2",
        stop_words="english",
    )
    matrix = vectorizer.fit_transform([f"{p.title}. {p.abstract}" for p in papers]).T.tocsr()
    where = {p.id: i for i, p in enumerate(papers)}
    scores = (vectorizer.transform([q.text for q in queries]) @ matrix).toarray()
    ranks = []
    for i, q in enumerate(queries):
        own = scores[i, where[q.paper_id]]
        # Ties count against the target: a paper scoring the same is ranked above it.
        ranks.append(int(np.sum(scores[i] >= own)))
    return ranks


def paperwire_ranks(
    searcher: Searcher, queries: list[Query], mode: Mode, *, deep: bool
) -> tuple[list[int | None], list[int | None]]:
    """Ranks in the first 10 results, and (``deep``) among the first 100 for those not
    in the first 10."""
    top10: list[int | None] = []
    top100: list[int | None] = []
    for q in queries:
        hits = searcher.search(q.text, mode=mode, limit=10)
        rank = rank_of(q.paper_id, [h.paper_id for h in hits])
        top10.append(rank)
        if deep and rank is None:
            more = searcher.search(q.text, mode=mode, limit=100)
            top100.append(rank_of(q.paper_id, [h.paper_id for h in more]))
        else:
            top100.append(rank)
    return top10, top100


def open_database(
    folder: Path, source: Path, expected: int, processes: int | None = None
) -> tuple[Store, Settings, float]:
    """The SQLite database in ``folder`` with ``source`` imported (reused when it holds
    ``expected`` papers); returns it, its settings and the import seconds (0 if reused)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        database_url=f"sqlite:///{folder}/paperwire.db", index_dir=str(folder / "index")
    )
    if processes is not None:
        settings = settings.model_copy(update={"index_processes": processes})
    store = open_store(settings.database_url)
    store.migrate()
    if store.count_papers() == expected:
        return store, settings, 0.0
    started = time.perf_counter()
    report = import_files(store, [source])
    if not report.ok or store.count_papers() != expected:
        raise SystemExit(f"import into {folder} went wrong: {report.summary()}")
    return store, settings, time.perf_counter() - started


def evaluate(
    name: str,
    store: Store,
    settings: Settings,
    queries: list[Query],
    *,
    quality: bool,
    verbose: bool,
    similar: bool,
) -> dict[str, Any]:
    started = time.perf_counter()
    report = update_index(store, settings, quality=quality, similar=similar)
    seconds = time.perf_counter() - started
    log(f"  {name}: index {seconds:.0f} s ({report.summary()})")
    searcher = Searcher(store, settings)
    out: dict[str, Any] = {"index_seconds": round(seconds, 1)}
    started = time.perf_counter()
    for mode in MODES:
        top10, top100 = paperwire_ranks(searcher, queries, mode, deep=mode == "hybrid")
        out[mode] = metrics(top10)
        out[f"{mode}_ranks"] = {q.paper_id: r for q, r in zip(queries, top100, strict=True)}
    out["search_seconds"] = round(time.perf_counter() - started, 1)
    out["best_of_two"] = best_of_two(
        list(out["keyword_ranks"].values()), list(out["semantic_ranks"].values())
    )
    if verbose:
        show_ranks(name, store, queries, out["hybrid_ranks"])
    return out


def best_of_two(keyword: list[int | None], semantic: list[int | None]) -> dict[str, float]:
    """What any fusion of the keyword and semantic lists can reach at most: per query, the
    better of the two ranks in their first 10 (MRR@10 of an oracle that picks the right
    list each time), and the share found by either, which is also the MRR@10 of a fusion
    that put every such paper first."""
    best: list[int | None] = []
    for k, s in zip(keyword, semantic, strict=True):
        found = [r for r in (k, s) if r is not None and r <= 10]
        best.append(min(found) if found else None)
    figures = metrics(best)
    return {"MRR@10": figures["MRR@10"], "recall@10": figures["recall@10"]}


def show_ranks(name: str, store: Store, queries: list[Query], ranks: dict[str, int | None]) -> None:
    titles = store.get_papers([q.paper_id for q in queries])
    log(f"  hybrid ranks, {name}:")
    for q in queries:
        rank = ranks[q.paper_id]
        shown = "-" if rank is None else str(rank)
        title = titles[q.paper_id].title if q.paper_id in titles else "?"
        log(f"    {shown:>4}  {q.paper_id}  {q.text}")
        log(f"          ({title[:100]})")


def distribution(ranks: Sequence[int | None]) -> str:
    bands = [(1, 1), (2, 3), (4, 10), (11, 100)]
    parts = [f"{a}-{b}: {sum(1 for r in ranks if r is not None and a <= r <= b)}" for a, b in bands]
    parts = [p.replace("1-1:", "1:") for p in parts]
    parts.append(f">100: {sum(1 for r in ranks if r is None or r > 100)}")
    return ", ".join(parts)


def table(title: str, rows: dict[str, dict[str, float]]) -> None:
    log(title)
    log(f"  {'method':<30} {'MRR@10':>7} {'recall@10':>10}")
    for method, figures in rows.items():
        log(f"  {method:<30} {figures['MRR@10']:>7.3f} {figures['recall@10']:>10.3f}")


def run(
    label: str,
    folder: Path,
    source: Path,
    papers: list[Paper],
    queries: list[Query],
    *,
    quality: bool,
    verbose: bool,
    processes: int | None,
    similar: bool,
) -> dict[str, Any]:
    """Import, index (fast, then quality if asked) and rank, over ``papers``."""
    store, settings, imported = open_database(folder, source, len(papers), processes)
    log(
        f"{label}: {len(papers)} papers "
        + (f"imported in {imported:.0f} s" if imported else f"reused in {folder}")
    )
    out: dict[str, Any] = {"papers": len(papers), "import_seconds": round(imported, 1)}
    started = time.perf_counter()
    tfidf = tfidf_ranks(papers, queries)
    out["tfidf"] = metrics([r if r <= 10 else None for r in tfidf])
    out["tfidf_seconds"] = round(time.perf_counter() - started, 1)
    out["tfidf_ranks"] = {q.paper_id: r for q, r in zip(queries, tfidf, strict=True)}
    rows = {"tf-idf (arxiv-sanity-lite)": out["tfidf"]}
    if store.count_vectors(QUALITY):
        # Search uses the quality tier as soon as any paper has a vector: no fast-only
        # figures from this database.
        log(
            f"  {label}: the reused database already holds quality vectors, so there are no "
            "fast-tier figures from it (a new --workdir gives them)"
        )
        quality = True
    else:
        out["fast"] = evaluate(
            f"{label}, fast tier",
            store,
            settings,
            queries,
            quality=False,
            verbose=verbose,
            similar=similar,
        )
        rows.update({f"fast tier, {m}": out["fast"][m] for m in MODES})
    if quality:
        out["quality"] = evaluate(
            f"{label}, quality tier",
            store,
            settings,
            queries,
            quality=True,
            verbose=verbose,
            similar=similar,
        )
        rows.update({f"quality tier, {m}": out["quality"][m] for m in MODES})
    store.close()
    table(f"{label}: {len(queries)} paraphrase queries, {len(papers)} papers", rows)
    for tier in [t for t in ("fast", "quality") if t in out]:
        ranks = list(out[tier]["hybrid_ranks"].values())
        log(f"  hybrid ranks, {tier} tier: {distribution(ranks)}")
        bound = out[tier]["best_of_two"]
        log(
            f"  at most, fusing the {tier} tier's keyword and semantic lists: MRR@10 "
            f"{bound['MRR@10']:.3f} picking the better list per query, "
            f"{bound['recall@10']:.3f} with every paper either finds put first"
        )
    log(f"  tf-idf ranks: {distribution(tfidf)}")
    return out


def main() -> None:
    global _log
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=Path, default=QUERIES, help="the paraphrase set")
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the databases here")
    parser.add_argument("--quality", action="store_true", help="quality tier, full corpus")
    parser.add_argument(
        "--quality-pool",
        type=int,
        metavar="N",
        help="quality tier on the targets plus N other papers, ranked within that pool",
    )
    parser.add_argument("--seed", type=int, default=7, help="draws the pool's other papers")
    parser.add_argument(
        "--processes",
        type=int,
        help="processes for the similar-paper lists (default: as paperwire index, every core)",
    )
    parser.add_argument(
        "--no-similar",
        action="store_true",
        help="index without the similar-paper lists (search does not read them)",
    )
    parser.add_argument("--verbose", action="store_true", help="each query's hybrid rank")
    parser.add_argument("--json", action="store_true", help="the figures as one JSON object")
    parser.add_argument("--check", action="store_true", help="only check the set")
    parser.add_argument("--draw", action="store_true", help="print the drawn papers")
    args = parser.parse_args()
    if args.json:
        _log = sys.stderr

    started = time.perf_counter()
    corpus = load()
    if args.draw:
        for p in draw(corpus.papers):
            print(json.dumps({"id": p.id, "category": p.categories[0], "title": p.title}))
            print(f"    {p.abstract}\n")
        return
    queries = read_set(args.queries)
    figures: dict[str, Any] = {"set": check(queries, corpus, verbose=args.verbose)}
    if args.check:
        if args.json:
            print(json.dumps(figures))
        return

    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        figures["full"] = run(
            "full corpus",
            workdir / "full",
            CORPUS,
            corpus.papers,
            queries,
            quality=args.quality,
            verbose=args.verbose,
            processes=args.processes,
            similar=not args.no_similar,
        )
        if args.quality_pool:
            targets = {q.paper_id for q in queries}
            rng = random.Random(args.seed)
            others = [p for p in corpus.papers if p.id not in targets]
            pool = [p for p in corpus.papers if p.id in targets]
            pool += rng.sample(others, args.quality_pool)
            folder = workdir / f"pool-{args.quality_pool}-{args.seed}"
            folder.mkdir(parents=True, exist_ok=True)
            source = folder / "pool.jsonl.gz"
            if not source.exists():
                with gzip.open(source, "wb") as out:
                    for p in pool:
                        out.write(corpus.lines[p.id])
            log(
                f"pool: the {len(targets)} target papers and {args.quality_pool} others "
                f"(seed {args.seed}); every method ranks within the pool only"
            )
            figures["pool"] = run(
                f"pool of {len(pool)}",
                folder,
                source,
                pool,
                queries,
                quality=True,
                verbose=args.verbose,
                processes=args.processes,
                similar=not args.no_similar,
            )
    figures["seconds"] = round(time.perf_counter() - started, 1)
    log(f"done in {figures['seconds']:.0f} s")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
