"""How long a paper page with a long discussion takes to render from the stored HTML.

    python benchmarks/discussion_render.py [--comments N] [--runs R]

Makes a fresh SQLite file with one paper and ``N`` comments (1,000 by default) by 50
readers, in threads up to the deepest level, each a paragraph of Markdown with a link,
code and math, written through ``discussion.post_comment`` (so each is rendered once, on
write, as in use). Then times, ``R`` times each: reading the comments and ordering the
thread (``store.paper_comments`` + ``discussion.thread``), rendering the discussion part
of the page (``_discussion.html`` with the stored HTML: reading, ordering and the
template) for a reader signed out and one signed in (who gets every comment's vote form
and reply, edit and report links), and the whole paper page for the signed-in reader
through the ASGI app. Prints p50 and max of each, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from starlette.requests import Request

from paperwire import discussion
from paperwire.accounts import User
from paperwire.auth.sessions import SESSION_COOKIE, start_session
from paperwire.config import Settings
from paperwire.models import Paper
from paperwire.store import open_store
from paperwire.web.app import create_app
from paperwire.web.pages.discussion import discussion_context

PAPER = "2601.00001"
BODY = (
    "Reply {n}: does the bound in *Lemma 3* hold for $\\sum_i x_i^2 \\le C n$? "
    "See [the appendix](https://example.org/appendix) and `solve(A, b)`."
)


def timed(work: Callable[[], object], runs: int) -> tuple[float, float]:
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took), max(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'paperwire.db'}",
            secret_key="benchmark" * 6,
            comment_limit=args.comments + 1,
            comment_hold_days=0,
        )
        store = open_store(settings.database_url)
        store.migrate()
        store.upsert_papers([Paper(id=PAPER, title="A Discussed Paper", abstract="Text.")])
        month_ago = datetime.now(UTC) - timedelta(days=30)
        readers = [
            store.add_user(f"reader{n}@example.org", role="reader", now=month_ago)
            for n in range(50)
        ]
        now = datetime.now(UTC)
        written = time.perf_counter()
        ids: list[int] = []
        for n in range(args.comments):
            parent = ids[(n * 7) % len(ids)] if ids and n % 3 else None
            made = discussion.post_comment(
                store,
                settings,
                user=readers[n % len(readers)],
                paper_id=PAPER,
                body=BODY.format(n=n),
                parent_id=parent,
                now=now,
            )
            ids.append(made.id)
            if n % 4 == 0:
                store.vote_comment(made.id, readers[(n + 1) % len(readers)].id, now=now)
        written = time.perf_counter() - written
        paper = store.get_paper(PAPER)
        assert paper is not None
        app = create_app(settings, store)
        templates = app.state.templates
        reader = readers[0]
        scope = {"type": "http", "method": "GET", "path": f"/papers/{PAPER}", "headers": []}
        scope |= {"query_string": b"", "app": app, "state": {}}

        def read() -> object:
            return discussion.thread(store.paper_comments(PAPER, viewer_id=reader.id), "votes")

        def part_for(user: User | None) -> Callable[[], str]:
            def render() -> str:
                context = discussion_context(store, settings, user, paper, sort="votes", now=now)
                request = Request(scope)
                request.state.user = user
                template = templates.env.get_template("_discussion.html")
                return template.render(context | {"paper": paper, "request": request})

            return render

        client = TestClient(app)
        cookie = start_session(store, settings, user=reader, key=settings.secret_key, now=now)
        client.cookies.set(SESSION_COOKIE, cookie)

        def page() -> object:
            answer = client.get(f"/papers/{PAPER}")
            assert answer.status_code == 200 and answer.text.count('class="comment ') == len(ids)
            return answer

        print(f"{args.comments} comments written (rendered once each) in {written:.1f} s")
        print(f"stored HTML: {sum(len(c.body_html) for c in store.paper_comments(PAPER)):,} chars")
        for name, work in (
            ("read + thread", read),
            ("part, signed out", part_for(None)),
            ("part, signed in", part_for(reader)),
            ("whole page", page),
        ):
            p50, worst = timed(work, args.runs)
            print(f"{name:>16}: p50 {p50:7.1f} ms   max {worst:7.1f} ms   ({args.runs} runs)")
        store.close()


if __name__ == "__main__":
    main()
