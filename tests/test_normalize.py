from datetime import UTC, datetime

import pytest

from paperwire.normalize import (
    clean_text,
    content_id,
    find_github_repo,
    has_control,
    is_arxiv_id,
    normalize_github_repo,
    parse_datetime,
    split_arxiv_id,
    strip_control,
    title_key,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2401.01234", ("2401.01234", None)),
        ("2401.01234v2", ("2401.01234", 2)),
        ("http://arxiv.org/abs/2401.01234v12", ("2401.01234", 12)),
        ("https://arxiv.org/pdf/2401.01234v3.pdf", ("2401.01234", 3)),
        ("oai:arXiv.org:1412.8544", ("1412.8544", None)),
        ("hep-th/9901001v1", ("hep-th/9901001", 1)),
        ("http://arxiv.org/abs/math.AG/0601001", ("math.AG/0601001", None)),
        ("arXiv:0704.0001", ("0704.0001", None)),
        ("not an id", None),
        ("12345", None),
        ("2513.00001", None),
        ("https://arxiv.org/abs/9999.99999v1", None),
        ("2503.12345v99999999999999999999", None),
        ("2503.12345v999999999", ("2503.12345", 999999999)),
        ("hep-th/9913001", None),
    ],
)
def test_split_arxiv_id(raw, expected):
    assert split_arxiv_id(raw) == expected


def test_clean_text_collapses_whitespace_and_latex_breaks():
    assert clean_text("  Deep\n  learning \\\\\n for   everyone ") == "Deep learning for everyone"
    assert clean_text("tab\there\r\nand\vthere") == "tab here and there"
    assert clean_text("Zürich\u00a0 and  Köln") == "Zürich and Köln"
    # a LaTeX command is not a line break
    assert clean_text(r"$\\alpha$ and \ldots") == r"$\\alpha$ and \ldots"
    assert clean_text(None) == ""


def test_find_github_repo_in_abstract_and_comment():
    abstract = "Code is available at https://github.com/Owner-1/my.repo.git. More text."
    assert find_github_repo(abstract) == "https://github.com/Owner-1/my.repo"
    assert find_github_repo("no code here", "see github.com/a/b)") == "https://github.com/a/b"
    assert find_github_repo("https://github.com/features/actions") is None
    assert find_github_repo(None, "") is None
    assert normalize_github_repo("owner/repo") == "https://github.com/owner/repo"
    assert (
        normalize_github_repo("https://github.com/owner/repo/") == "https://github.com/owner/repo"
    )


def test_title_key_and_content_id_ignore_case_accents_and_spacing():
    assert title_key("Héllo,  World!") == title_key("hello world")
    assert content_id("listing", "A Title") == content_id("listing", "a   title.")
    assert content_id("listing", "A Title").startswith("listing:")
    assert content_id("listing", "A Title") != content_id("listing", "Another Title")


def test_parse_datetime_is_utc_aware():
    assert parse_datetime("2026-06-12T00:00:00.000Z") == datetime(2026, 6, 12, tzinfo=UTC)
    assert parse_datetime("2024-01-02") == datetime(2024, 1, 2, tzinfo=UTC)
    assert parse_datetime("") is None
    with pytest.raises(ValueError):
        parse_datetime("yesterday")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0704.0001", True),
        ("1412.9999", True),
        ("1501.00001", True),
        (f"{datetime.now(UTC).year % 100:02d}01.00001", True),
        ("hep-th/9108001", True),
        ("math.AG/0703999", True),
        ("0703.0001", False),  # new-style ids start in April 2007
        ("1501.1234", False),
        ("1412.12345", False),
        ("2413.00001", False),
        ("2400.00001", False),
        ("2401.00000", False),
        (f"{(datetime.now(UTC).year + 1) % 100:02d}01.00001", False),
        ("9999.99999", False),
        ("hep-th/9100001", False),
        ("hep-th/0801001", False),
        ("Hep-th/9901001", False),
        ("2401.01234v1", False),
        (" 2401.01234", False),
    ],
)
def test_is_arxiv_id_knows_which_ids_can_exist(value, expected):
    assert is_arxiv_id(value) is expected


def test_control_characters_are_found_and_stripped_but_tabs_and_newlines_stay():
    assert not has_control("plain\ttext\r\nwith é and \u00a0")
    for ch in ("\x00", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\ufffe", "\uffff"):
        assert has_control(f"a{ch}b"), repr(ch)
        assert strip_control(f"a{ch}b") == "ab"
    text = "unchanged"
    assert strip_control(text) is text
