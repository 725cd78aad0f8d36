"""What readers' models cost: training them, and scoring a day of new papers for all.

    python benchmarks/recommend_scale.py --db sqlite:///PATH [--readers 10000] [--scored 100000]

Needs a store holding a corpus with fast vectors and its keyword index (for example the
one ``recommend_eval.py`` builds); works on a copy in a temporary directory.

1. ``--readers`` readers are created, each saving 5-40 random papers (1 in 5 also hides
   3), and ``refresh_models`` trains and stores every model: the job's wall time.
2. Scoring: the newest ``--papers`` papers (one day's 500) for ``--scored`` readers'
   models (the stored ones, repeated to reach that number): reading the models, the two
   matrix products (meaning, words) and each reader's top 20, in batches of 10,000
   readers. Peak memory (max RSS) is printed after each step.
3. ``Recommender.for_readers`` end to end (models, exclusions, reasons) for 1,000 readers.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

from paperwire.config import Settings, index_directory
from paperwire.models import Filters
from paperwire.normalize import utcnow
from paperwire.recommend import Recommender, refresh_models
from paperwire.recommend import model as rmodel
from paperwire.store import open_store


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="sqlite:///PATH of an indexed corpus")
    parser.add_argument("--readers", type=int, default=10_000)
    parser.add_argument("--scored", type=int, default=100_000)
    parser.add_argument("--papers", type=int, default=500)
    args = parser.parse_args()

    source = Path(args.db.removeprefix("sqlite:///"))
    tmp = tempfile.TemporaryDirectory()
    db = Path(tmp.name) / "paperwire.db"
    shutil.copy(source, db)
    shutil.copytree(index_directory(Settings(database_url=args.db)), db.with_suffix(".index"))
    url = f"sqlite:///{db}"
    store = open_store(url)
    store.migrate()
    now = utcnow()
    ids = store.matching_ids(Filters())
    rng = random.Random(3)

    started = time.perf_counter()
    with store.atomic():
        for n in range(args.readers):
            user = store.ensure_user(f"reader{n}@example.org", now=now)
            saved = store.ensure_list(user.id, "Saved", now=now)
            store.add_to_list(saved.id, rng.sample(ids, rng.randint(5, 40)), now=now)
            if n % 5 == 0:
                store.set_marks(user.id, rng.sample(ids, 3), hidden=True, now=now)
    print(f"{args.readers} readers with libraries made in {time.perf_counter() - started:.0f} s")

    rec = Recommender(store, index_dir=db.with_suffix(".index"))
    started = time.perf_counter()
    report = refresh_models(store, recommender=rec)
    seconds = time.perf_counter() - started
    print(
        f"refresh: {report.trained} readers trained in {seconds:.1f} s "
        f"({1000 * seconds / max(report.trained, 1):.2f} ms each); max RSS {rss_mb():.0f} MB"
    )

    _, latest, _ = store.feed_days()
    assert latest is not None
    day = latest
    papers = rec.candidates(day)
    while len(papers) < args.papers:  # the newest days, back until there are enough
        day -= timedelta(days=1)
        papers = rec.candidates(day)
    papers = papers[: args.papers]
    started = time.perf_counter()
    stored = store.stored_models("fast")
    weights = np.stack([np.frombuffer(m.weights, dtype="<f4") for m in stored])
    profiles = [rmodel.WordProfile.from_json(m.terms) for m in stored]
    load = time.perf_counter() - started
    print(f"read {len(stored)} stored models in {load:.1f} s; max RSS {rss_mb():.0f} MB")

    started = time.perf_counter()
    found = store.vectors_of("fast", [p.id for p in papers])
    x = np.stack([np.frombuffer(found[p.id], dtype="<f2") for p in papers]).astype(np.float32)
    words = rec.term_weights(papers)
    paper_words = rmodel.PaperWords.build([words[p.id] for p in papers])
    prepare = time.perf_counter() - started
    repeats = -(-args.scored // len(stored))
    started = time.perf_counter()
    scored = 0
    batch = 10_000
    while scored < args.scored:
        take = min(batch, args.scored - scored)
        rows = [(scored + k) % len(stored) for k in range(take)]
        meaning = rmodel.meaning_scores(weights[rows], x)
        lexical = rmodel.word_scores([profiles[r] for r in rows], paper_words)
        scores = rmodel.combine(meaning, lexical)
        top = np.argpartition(-scores, 20, axis=1)[:, :20]
        assert top.shape == (take, 20)
        scored += take
    seconds = time.perf_counter() - started
    print(
        f"scored {len(papers)} papers for {scored} readers (models repeated {repeats}x) in "
        f"{prepare + seconds:.1f} s (papers' vectors and words {prepare:.1f} s, products and "
        f"top 20 {seconds:.1f} s); max RSS {rss_mb():.0f} MB"
    )

    users = [u.id for u in store.list_users()][:1000]
    since = day
    started = time.perf_counter()
    results = rec.for_readers([(u, since) for u in users], limit=5)
    seconds = time.perf_counter() - started
    shown = sum(len(r) for r in results)
    print(
        f"for_readers: {len(users)} readers, top 5 with reasons ({shown} shown) in "
        f"{seconds:.1f} s; max RSS {rss_mb():.0f} MB"
    )
    store.close()
    tmp.cleanup()


if __name__ == "__main__":
    main()
