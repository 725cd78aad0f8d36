"""``paperwire library`` on real database files: exit codes, output, and the database
after."""

from __future__ import annotations

import gzip
import json

import pytest
from click.testing import CliRunner

from paperwire.cli import cli
from paperwire.library import DEFAULT_LIST
from paperwire.store import open_store

ADA = "ada@example.org"
BO = "bo@example.org"


@pytest.fixture
def run(db_url):
    runner = CliRunner()

    def invoke(*args: str, url: str = db_url, input: str | None = None):
        return runner.invoke(
            cli, ["--database-url", url, *args], input=input, catch_exceptions=False
        )

    return invoke


@pytest.fixture
def ids(run, shared_data, tmp_path) -> list[str]:
    """Forty papers of the recorded arXiv days, two readers."""
    path = tmp_path / "papers.jsonl.gz"
    with gzip.open(shared_data / "arxiv_daily_cs_2025_2026.jsonl.gz", "rb") as src:
        lines = [line for _, line in zip(range(40), src, strict=False)]
    with gzip.open(path, "wb") as f:
        f.writelines(lines)
    assert run("import", str(path)).exit_code == 0
    assert run("user", "add", ADA).exit_code == 0
    assert run("user", "add", BO).exit_code == 0
    return [json.loads(line)["id"] for line in lines]


def _library(db_url: str, email: str):
    """A reader's whole library as plain values: lists, entries, interests."""
    store = open_store(db_url)
    try:
        user = store.user_by_email(email)
        assert user is not None
        lists = {
            lst.name: (lst.is_public, store.list_paper_ids(lst.id))
            for lst in store.reader_lists(user.id)
        }
        entries = {
            pid: (e.lists, e.is_read, e.is_hidden, e.note)
            for pid, e in store.library_entries(user.id).items()
        }
        interests = [(i.kind, i.value) for i in store.interests(user.id)]
        return lists, entries, interests
    finally:
        store.close()


def test_add_remove_hide_read_note_and_list(run, ids, db_url):
    a, b, c, d = ids[:4]
    added = run("library", "add", ADA, a, f"https://arxiv.org/abs/{b}v2", f"arXiv:{c}")
    assert added.exit_code == 0, added.output
    assert added.stdout == f"saved to {DEFAULT_LIST} 3: {a} {b} {c}\n"
    again = run("library", "add", ADA, a)
    assert again.stdout == f"nothing new saved to {DEFAULT_LIST}\n"
    assert run("library", "add", ADA, c, d, "--list", "Reading group").exit_code == 0

    removed = run("library", "remove", ADA, c, "--list", "reading GROUP")
    assert removed.stdout == f"removed from Reading group 1: {c}\n"
    assert run("library", "remove", ADA, b).stdout == f"removed from every list 1: {b}\n"
    assert run("library", "hide", ADA, d).stdout == f"marked not interested 1: {d}\n"
    assert run("library", "read", ADA, a).stdout == f"marked read 1: {a}\n"
    assert run("library", "read", ADA, a, "--undo").stdout == f"marked unread 1: {a}\n"
    assert run("library", "read", ADA, c).exit_code == 0
    assert run("library", "note", ADA, a, "Figure 3 \x07answers it").stdout == "note written\n"

    lists, entries, _ = _library(db_url, ADA)
    assert lists == {DEFAULT_LIST: (False, [c, a]), "Reading group": (False, [d])}
    assert entries[a] == ((DEFAULT_LIST,), False, False, "Figure 3 answers it")
    assert entries[c] == ((DEFAULT_LIST,), True, False, None)
    assert entries[d] == (("Reading group",), False, True, None)  # hidden, still listed

    text = run("library", "list", ADA).stdout
    assert text.startswith(
        f"list '{DEFAULT_LIST}': 2 paper(s), private\nlist 'Reading group': 1 paper(s), private\n"
    )
    assert "note: Figure 3 answers it" in text
    listed = json.loads(run("library", "list", ADA, "--json").stdout)
    by_id = {row["id"]: row for row in listed}
    assert set(by_id) == {a, c, d}
    assert by_id[a]["note"] == "Figure 3 answers it" and by_id[a]["lists"] == [DEFAULT_LIST]
    assert by_id[d]["hidden"] is True and by_id[c]["read"] is True
    assert all(
        {"id", "title", "score", "lists", "read", "hidden", "note", "added_at"} <= set(row)
        for row in listed
    )
    one = json.loads(run("library", "list", ADA, "--list", "Saved", "--json").stdout)
    assert [row["id"] for row in one] == [c, a]
    hidden = json.loads(run("library", "list", ADA, "--only", "hidden", "--json").stdout)
    assert [row["id"] for row in hidden] == [d]
    lists_json = json.loads(run("library", "lists", ADA, "--json").stdout)
    assert [(row["name"], row["count"]) for row in lists_json] == [
        (DEFAULT_LIST, 2),
        ("Reading group", 1),
    ]

    assert run("library", "note", ADA, a, "").stdout == "note removed\n"
    assert run("library", "hide", ADA, d, "--undo").stdout == f"shown again 1: {d}\n"
    _, entries, _ = _library(db_url, ADA)
    assert entries[a][3] is None and entries[d][2] is False


def test_unknown_papers_and_readers_are_named(run, ids, db_url):
    result = run("library", "add", ADA, ids[0], "2401.09999", "not-a-paper")
    assert result.exit_code == 1
    assert result.stdout == f"saved to {DEFAULT_LIST} 1: {ids[0]}\n"
    assert "error: no paper '2401.09999' here" in result.stderr
    assert "error: no paper 'not-a-paper' here" in result.stderr
    note = run("library", "note", ADA, "2401.09999", "x")
    assert note.exit_code == 1 and "no paper '2401.09999'" in note.stderr
    nobody = run("library", "add", "carol@example.org", ids[0])
    assert nobody.exit_code == 2
    assert "no account for 'carol@example.org'" in nobody.stderr
    assert run("library", "list", "not an address").exit_code == 2
    missing = run("library", "remove", ADA, ids[0], "--list", "Nope")
    assert missing.exit_code == 1 and "no list called 'Nope'" in missing.stderr
    too_long = run("library", "note", ADA, ids[0], "x" * 20_001)
    assert too_long.exit_code == 1 and "20,000 characters" in too_long.stderr
    assert _library(db_url, ADA)[1] == {ids[0]: ((DEFAULT_LIST,), False, False, None)}


def test_lists_are_renamed_shared_dropped_and_interests_followed(run, ids, db_url, tmp_path):
    run("library", "add", ADA, ids[0], ids[1], "--list", "Club")
    run("library", "add", ADA, ids[2])
    assert (
        run("library", "rename", ADA, "club", "Journal club").stdout == "renamed to Journal club\n"
    )
    assert run("library", "share", ADA, "Journal club").stdout == "Journal club is public\n"
    taken = run("library", "rename", ADA, "Journal club", "Saved")
    assert taken.exit_code == 1 and "there is a list called 'Saved' already" in taken.stderr
    assert _library(db_url, ADA)[0] == {
        DEFAULT_LIST: (False, [ids[2]]),
        "Journal club": (True, [ids[1], ids[0]]),
    }
    followed = run("library", "follow", ADA, "--author", "Ada Lovelace", "--topic", "graph  nets")
    assert followed.stdout == "now following 2 of 2\n"
    assert run("library", "follow", ADA).stdout == "author\tAda Lovelace\ntopic\tgraph nets\n"
    assert run("library", "follow", ADA, "--topic", "graph nets", "--undo").exit_code == 0
    assert _library(db_url, ADA)[2] == [("author", "Ada Lovelace")]
    assert (
        run("library", "drop", ADA, "journal club").stdout == "deleted Journal club (2 paper(s))\n"
    )
    assert _library(db_url, ADA)[0] == {DEFAULT_LIST: (False, [ids[2]])}
    missing = run("library", "export", ADA, "-o", str(tmp_path / "no" / "such" / "dir.json"))
    assert missing.exit_code == 1 and "No such file or directory" in missing.stderr


def test_export_json_and_import_into_another_reader_gives_the_same_library(
    run, ids, db_url, tmp_path
):
    run("library", "add", ADA, *ids[:5])
    run("library", "add", ADA, ids[3], ids[10], ids[11], "--list", "Club")
    run("library", "read", ADA, ids[0], ids[10])
    run("library", "hide", ADA, ids[20])
    run("library", "note", ADA, ids[1], "ask Bo about the ablation")
    out = tmp_path / "ada.json"
    exported = run("library", "export", ADA, "--format", "json", "-o", str(out))
    assert exported.exit_code == 0 and exported.stdout == ""
    assert json.loads(out.read_text())["email"] == ADA
    assert run("library", "export", ADA).stdout == out.read_text()  # json to stdout by default

    imported = run("library", "import", BO, str(out))
    assert imported.exit_code == 0, imported.output
    assert imported.stdout == (
        f"imported 8 paper(s) into lists ({DEFAULT_LIST}: 5, Club: 3); 2 marked read, "
        "1 not interested, 1 note(s), 0 interest(s); 0 unknown, 0 problem(s)\n"
    )
    assert _library(db_url, BO) == _library(db_url, ADA)

    bib = run("library", "export", ADA, "--format", "bibtex").stdout
    assert bib.count("@misc{") == 7  # the papers of the lists, each once
    assert f"eprint = {{{ids[0]}}}" in bib


def test_bibtex_from_zotero_and_google_scholar(run, ids, db_url, tmp_path):
    zotero = tmp_path / "My Library.bib"
    zotero.write_text(
        f"""
@misc{{zeng_industrial-grade_2025,
\ttitle = {{Industrial-{{Grade}} {{Sensor}} {{Simulation}} via {{Gaussian}} {{Splatting}}}},
\turl = {{http://arxiv.org/abs/{ids[0]}}},
\tdoi = {{10.48550/arXiv.{ids[0]}}},
\turldate = {{2025-03-20}},
\tpublisher = {{arXiv}},
\tauthor = {{Zeng, Xianming and Others, A.}},
\tmonth = mar,
\tyear = {{2025}},
\tnote = {{arXiv:{ids[0]} [cs]}},
\tfile = {{Preprint PDF:/Users/ada/Zotero/storage/ABCD1234/Zeng.pdf:application/pdf}},
}}

@article{{safe_vlm_2025,
\ttitle = {{Safe {{Vision-Language}} Models}},
\tjournal = {{arXiv preprint arXiv:{ids[1]}}},
\tyear = {{2025}},
}}

@misc{{gone_2024,
\ttitle = {{A paper this site has not got}},
\teprint = {{2401.09999}},
\tarchivePrefix = {{arXiv}},
}}

@book{{knuth_1997,
\ttitle = {{The Art of Computer Programming}},
\tpublisher = {{Addison-Wesley}},
}}
""",
        encoding="utf-8",
    )
    result = run("library", "import", ADA, str(zotero), "--list", "Zotero")
    assert result.exit_code == 1
    assert result.stdout.startswith("imported 2 paper(s) into lists (Zotero: 2);")
    assert f"unknown {zotero}:23: no paper 2401.09999 here" in result.stderr
    assert f"rejected {zotero}:27: entry 'knuth_1997' names no arXiv id or DOI" in result.stderr
    lists, _, _ = _library(db_url, ADA)
    assert lists == {"Zotero": (False, [ids[1], ids[0]])}


def test_an_arxiv_sanity_lite_list_of_ids(run, ids, db_url, tmp_path):
    """arxiv-sanity-lite keeps a tag as a list of paper ids; readers paste them with
    versions, as links, or with comments."""
    tagged = tmp_path / "tag-robots.txt"
    tagged.write_text(
        f"# arxiv-sanity-lite tag: robots\n{ids[2]}v1\nhttps://arxiv.org/pdf/{ids[3]}v2\n\n"
        f"{ids[4]}  # the good one\n{ids[2]}\n",
        encoding="utf-8",
    )
    result = run("library", "import", ADA, str(tagged), "--list", "robots")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("imported 3 paper(s) into lists (robots: 3);")
    assert _library(db_url, ADA)[0] == {"robots": (False, [ids[4], ids[3], ids[2]])}
    stdin = run("library", "import", BO, "-", input=f"{ids[5]}\n")
    assert stdin.exit_code == 0 and _library(db_url, BO)[0] == {DEFAULT_LIST: (False, [ids[5]])}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ":1: not UTF-8 text"),
        (b"%PDF-1.7\n\x00\x00binary", ":2: a binary file"),
        (
            b'{"format": "paperwire-library", "version": 1, "lists": [{"name": "A", ',
            "not valid JSON",
        ),
        (b'{"some": "json"}', "not a paperwire library export"),
        (b"@article{broken,\n  title = {No end\n", "cannot be read"),
        (b"\n\n", "the file is empty"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_and_nothing_written(
    run, ids, db_url, tmp_path, content, message
):
    run("library", "add", ADA, ids[0])
    before = _library(db_url, ADA)
    bad = tmp_path / "library.dat"
    bad.write_bytes(content)
    result = run("library", "import", ADA, str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {bad}")
    assert message in result.stderr
    assert result.stdout == ""
    assert _library(db_url, ADA) == before


def test_an_export_naming_only_unknown_papers_names_them_all(run, ids, db_url, tmp_path):
    doc = {
        "format": "paperwire-library",
        "version": 1,
        "lists": [{"name": "Old", "papers": ["2401.09998", {"id": "2401.09999"}]}],
        "papers": [{"id": "2401.09999", "read": True}],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc, indent=1))
    result = run("library", "import", ADA, str(path))
    assert result.exit_code == 1
    assert f"unknown {path}:8: no paper 2401.09998 here" in result.stderr
    assert f"unknown {path}:10: no paper 2401.09999 here" in result.stderr
    assert _library(db_url, ADA)[0] == {"Old": (False, [])}  # the export's list, empty
