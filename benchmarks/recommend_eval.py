"""How well readers' models find the papers they will want, against arxiv-sanity-lite.

    python benchmarks/recommend_eval.py [--db sqlite:///PATH] [--readers 200] [--svm/--no-svm]
                                        [--quality-pool 3000]

Readers are simulated from real structure: every author of the daily corpus with 10-25
papers (ordered by the day each was first announced) is a reader whose library is their
first 5 papers; the targets are their papers announced after the library's last day.
The corpus is imported with every author removed, so only content can find them. Each
method ranks every paper announced after the library's last day (the library itself
excluded), and we report recall@50 and nDCG@20 (binary gains) over a random sample of
readers (``--readers``, ``--seed``), all methods on the same readers in one run:

- ``paperwire``: the reader's model as the service trains and scores it
  (``paperwire.recommend``: the fast tier's vectors and the keyword index's words and
  phrases; ``--no-phrases``: words alone);
  ``paperwire meaning`` and ``paperwire words`` are its two parts alone;
- ``centroid``: cosine to the mean of the library's fast vectors;
- ``arxiv-sanity-lite``: its recipe (tf-idf: ngrams 1-2, max_features 20000, min_df 5,
  max_df 0.1, sublinear tf, English stop words, on ``title | abstract``; LinearSVC C=0.01,
  class_weight balanced, tol 1e-6; the library as positives, every other paper as
  negatives), with scikit-learn's ``TfidfVectorizer`` and ``LinearSVC``.

The quality tier embeds ~10 abstracts/s on two cores, too slow for the whole corpus in a
benchmark: ``--quality-pool N`` embeds N random papers plus every sampled reader's papers
and ranks within that pool only, every method again (the pool's figures are comparable
with each other, not with the full corpus's).

``--quality-db`` names a store whose quality tier covers the corpus (``paperwire index
--quality`` on the same corpus, with or without authors: only its vectors are read); the
full-corpus run then scores the readers' models on the quality tier as well
(``paperwire (quality)``: the same word profile, the meaning part on quality vectors).

``--db`` reuses a store that already holds the corpus without authors and its fast index
(the import and ``paperwire index`` take ~17 minutes); without it they are made in a
temporary directory.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperwire.config import Settings, index_directory
from paperwire.index.embed import load_embedder, paper_text
from paperwire.index.jobs import update_index
from paperwire.recommend import Recommender
from paperwire.recommend import model as rmodel
from paperwire.recommend.service import BACKGROUND_VECTORS
from paperwire.sources.arxiv_jsonl import parse_record
from paperwire.store import open_store
from paperwire.store.base_library import Signals

CORPUS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
)
Scores = npt.NDArray[np.float32]


@dataclass
class Reader:
    author: str
    library: list[int]
    last_day: str
    targets: list[int]


def load_corpus() -> tuple[list[str], list[str], list[str], list[list[str]]]:
    ids, days, texts, authors = [], [], [], []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            ids.append(r["id"])
            days.append(min(r["feed_dates"]) if r.get("feed_dates") else "9999-99-99")
            texts.append(r["title"] + " | " + r["summary"])
            authors.append(list(r.get("authors") or []))
    return ids, days, texts, authors


def make_readers(ids: list[str], days: list[str], authors: list[list[str]]) -> list[Reader]:
    by_author: dict[str, list[int]] = defaultdict(list)
    for i, names in enumerate(authors):
        for name in dict.fromkeys(names):
            by_author[name].append(i)
    readers = []
    for name, papers in sorted(by_author.items()):
        if not 10 <= len(papers) <= 25:
            continue
        papers = sorted(papers, key=lambda i: (days[i], ids[i]))
        library = papers[:5]
        last = days[library[-1]]
        targets = [i for i in papers[5:] if days[i] > last]
        if targets:
            readers.append(Reader(name, library, last, targets))
    return readers


def build_store(url: str) -> None:
    store = open_store(url)
    store.migrate()
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        batch = []
        for n, line in enumerate(f):
            paper = parse_record(json.loads(line), where=str(n))
            batch.append(replace(paper, authors=[]))
            if len(batch) == 2000:
                store.upsert_papers(batch)
                batch = []
        store.upsert_papers(batch)
    update_index(store, Settings(database_url=url), similar=False, topics=False)
    store.close()


def evaluate(scores: Scores, pool: npt.NDArray[np.intp], targets: list[int]) -> tuple[float, float]:
    order = pool[np.argsort(-scores[pool], kind="stable")]
    wanted = set(targets)
    recall = len(wanted.intersection(order[:50].tolist())) / len(wanted)
    dcg = sum(1 / np.log2(k + 2) for k, i in enumerate(order[:20].tolist()) if i in wanted)
    ideal = sum(1 / np.log2(k + 2) for k in range(min(20, len(wanted))))
    return recall, dcg / ideal


def vectors(store: object, tier: str, ids: list[str], dims: int) -> Scores:
    matrix = np.zeros((len(ids), dims), dtype=np.float32)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found = store.vectors_of(tier, chunk)  # type: ignore[attr-defined]
        for k, pid in enumerate(chunk):
            if pid in found:
                matrix[start + k] = np.frombuffer(found[pid], dtype="<f2")
    return matrix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="a store holding the corpus without authors, indexed")
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--svm", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--quality-pool", type=int, default=0)
    parser.add_argument("--quality-db", help="a store with quality vectors of the corpus")
    parser.add_argument(
        "--phrases",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="word profiles with phrases (the service's default) or words alone",
    )
    args = parser.parse_args()

    ids, days, texts, authors = load_corpus()
    readers = make_readers(ids, days, authors)
    print(f"corpus: {len(ids)} papers; {len(readers)} readers with 10-25 papers", flush=True)
    random.seed(args.seed)
    readers = random.sample(readers, min(args.readers, len(readers)))

    tmp = None
    url = args.db
    if url is None:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/paperwire.db"
        started = time.perf_counter()
        build_store(url)
        print(f"imported without authors and indexed in {time.perf_counter() - started:.0f} s")
    store = open_store(url)
    rec = Recommender(store, index_dir=index_directory(Settings(database_url=url)))

    started = time.perf_counter()
    counted = rec.update_phrases() if args.phrases else 0
    if counted:
        print(f"counted the phrases of {counted} papers in {time.perf_counter() - started:.0f} s")
    if not args.phrases:
        rec.phrases = None
    started = time.perf_counter()
    x_fast = vectors(store, "fast", ids, 256)
    papers = {}
    for start in range(0, len(ids), 5000):
        papers.update(store.get_papers(ids[start : start + 5000]))
    words = rec.term_weights([papers[i] for i in ids])
    paper_words = rmodel.PaperWords.build([words[i] for i in ids])
    x_quality = None
    if args.quality_db:
        quality_store = open_store(args.quality_db)
        x_quality = vectors(quality_store, "quality", ids, 384)
        quality_store.close()
        missing = int((~x_quality.any(axis=1)).sum())
        if missing:
            raise SystemExit(f"--quality-db lacks the quality vectors of {missing} papers")
        sample = np.random.default_rng(args.seed).choice(len(ids), BACKGROUND_VECTORS, False)
        quality_background = rmodel.Background.fit(x_quality[sample])
    print(f"loaded vectors and word vectors in {time.perf_counter() - started:.0f} s", flush=True)

    svm_matrix = None
    if args.svm:
        from sklearn.feature_extraction.text import TfidfVectorizer

        started = time.perf_counter()
        vectorizer = TfidfVectorizer(
            input="content",
            encoding="utf-8",
            decode_error="replace",
            strip_accents="unicode",
            lowercase=True,
            analyzer="word",
            stop_words="english",
            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
            ngram_range=(1, 2),
            max_features=20000,
            norm="l2",
            use_idf=True,
            smooth_idf=True,
            sublinear_tf=True,
            max_df=0.1,
            min_df=5,
        )
        svm_matrix = vectorizer.fit_transform(texts).astype(np.float32)
        print(f"arxiv-sanity-lite tf-idf in {time.perf_counter() - started:.0f} s", flush=True)

    def svm_scores(library: list[int], rows: npt.NDArray[np.intp] | None = None) -> Scores:
        from sklearn import svm

        assert svm_matrix is not None
        matrix = svm_matrix if rows is None else svm_matrix[rows]
        y = np.zeros(matrix.shape[0])
        positions = library if rows is None else [int(np.where(rows == i)[0][0]) for i in library]
        y[positions] = 1
        clf = svm.LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=0.01)
        clf.fit(matrix, y)
        full = np.full(len(ids), -1e9, dtype=np.float32)
        if rows is None:
            full[:] = clf.decision_function(matrix)
        else:
            full[rows] = clf.decision_function(matrix)
        return full

    day_array = np.array(days)
    results: dict[str, list[tuple[float, float]]] = defaultdict(list)
    times: dict[str, float] = defaultdict(float)

    def run(
        name: str, make: Callable[[], Scores], pool: npt.NDArray[np.intp], t: list[int]
    ) -> None:  # noqa: E501
        started = time.perf_counter()
        scores = make()
        times[name] += time.perf_counter() - started
        results[name].append(evaluate(scores, pool, t))

    started = time.perf_counter()
    for n, reader in enumerate(readers):
        pool = np.where(day_array > reader.last_day)[0]
        library_ids = [ids[i] for i in reader.library]
        signals = Signals(user_id=0, revision=0, positives=library_ids)
        trained = {m.tier: m for m in rec.train(signals)}["fast"]
        weights = np.frombuffer(trained.weights, dtype="<f4")
        profile = rmodel.WordProfile.from_json(trained.terms)

        def meaning(w: npt.NDArray[np.float32] = weights) -> Scores:
            return rmodel.meaning_scores(w, x_fast)[0]

        def word_part(p: rmodel.WordProfile = profile) -> Scores:
            return rmodel.word_scores([p], paper_words)[0]

        both = lambda: rmodel.combine(meaning(), word_part())  # noqa: E731
        run("paperwire (fast)", both, pool, reader.targets)
        if x_quality is not None:

            def on_quality(
                x: Scores = x_quality, r: Reader = reader, p: rmodel.WordProfile = profile
            ) -> Scores:
                w = rmodel.train_meaning(x[r.library], x[:0], quality_background)
                return rmodel.combine(rmodel.meaning_scores(w, x)[0], word_part(p))

            run("paperwire (quality)", on_quality, pool, reader.targets)
        run("paperwire meaning (fast)", meaning, pool, reader.targets)
        run("paperwire words", word_part, pool, reader.targets)
        centre = x_fast[reader.library].mean(axis=0)
        run("centroid (fast)", lambda c=centre: x_fast @ c, pool, reader.targets)
        if svm_matrix is not None:
            run("arxiv-sanity-lite", lambda r=reader: svm_scores(r.library), pool, reader.targets)
        if n % 25 == 24:
            print(f"  {n + 1} readers in {time.perf_counter() - started:.0f} s", flush=True)

    print(f"\nfull corpus: {len(readers)} readers, candidates = every paper after the library")
    report(results, times)

    if args.quality_pool:
        quality_pool(args, rec, readers, ids, papers, words, x_fast, svm_scores, day_array)
    store.close()


def report(results: dict[str, list[tuple[float, float]]], times: dict[str, float]) -> None:
    print(f"{'method':28s} {'recall@50':>9s} {'nDCG@20':>8s} {'ms/reader':>10s}")
    for name, values in results.items():
        a = np.array(values)
        ms = 1000 * times[name] / len(values)
        print(f"{name:28s} {a[:, 0].mean():9.3f} {a[:, 1].mean():8.3f} {ms:10.1f}")


def quality_pool(
    args: argparse.Namespace,
    rec: Recommender,
    readers: list[Reader],
    ids: list[str],
    papers: dict[str, object],
    words: dict[str, rmodel.TermWeights],
    x_fast: Scores,
    svm_scores: Callable[..., Scores],
    day_array: npt.NDArray[np.str_],
) -> None:
    rng = random.Random(args.seed)
    members = set(rng.sample(range(len(ids)), args.quality_pool))
    for reader in readers:
        members.update(reader.library)
        members.update(reader.targets)
    rows = np.array(sorted(members), dtype=np.intp)
    started = time.perf_counter()
    embedder = load_embedder("quality")
    texts = [
        paper_text(papers[ids[i]].title, papers[ids[i]].abstract)  # type: ignore[attr-defined]
        for i in rows
    ]
    x_quality = np.zeros((len(ids), 384), dtype=np.float32)
    for start in range(0, len(texts), 64):
        x_quality[rows[start : start + 64]] = embedder.encode(texts[start : start + 64])
    seconds = time.perf_counter() - started
    print(f"\nquality pool: {len(rows)} papers embedded in {seconds:.0f} s")
    sample = rows[np.random.default_rng(args.seed).choice(len(rows), min(4000, len(rows)), False)]
    background = {"fast": rmodel.Background.fit(x_fast[sample])}
    background["quality"] = rmodel.Background.fit(x_quality[sample])
    pool_words = rmodel.PaperWords.build([words[ids[i]] for i in range(len(ids))])
    results: dict[str, list[tuple[float, float]]] = defaultdict(list)
    times: dict[str, float] = defaultdict(float)
    in_pool = np.zeros(len(ids), dtype=bool)
    in_pool[rows] = True
    for reader in readers:
        pool = np.where((day_array > reader.last_day) & in_pool)[0]
        library = [ids[i] for i in reader.library]
        profile = rmodel.WordProfile.from_json(
            rec.train(Signals(user_id=0, revision=0, positives=library))[0].terms
        )
        lexical = rmodel.word_scores([profile], pool_words)[0]
        for tier, x in (("fast", x_fast), ("quality", x_quality)):
            started = time.perf_counter()
            w = rmodel.train_meaning(x[reader.library], x[:0], background[tier])
            meaning = rmodel.meaning_scores(w, x)[0]
            combined = rmodel.combine(meaning, lexical)
            times[f"paperwire ({tier})"] += time.perf_counter() - started
            results[f"paperwire ({tier})"].append(evaluate(combined, pool, reader.targets))
            results[f"paperwire meaning ({tier})"].append(evaluate(meaning, pool, reader.targets))
            centre = x[reader.library].mean(axis=0)
            results[f"centroid ({tier})"].append(evaluate(x @ centre, pool, reader.targets))
        if args.svm:
            started = time.perf_counter()
            scores = svm_scores(reader.library, rows)
            times["arxiv-sanity-lite"] += time.perf_counter() - started
            results["arxiv-sanity-lite"].append(evaluate(scores, pool, reader.targets))
    print(f"quality pool: {len(readers)} readers, candidates = pool papers after the library")
    report(results, times)


if __name__ == "__main__":
    main()
