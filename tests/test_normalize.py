from datetime import UTC, datetime

import pytest

from paperwire.normalize import (
    clean_text,
    content_id,
    find_github_repo,
    normalize_github_repo,
    parse_datetime,
    split_arxiv_id,
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
