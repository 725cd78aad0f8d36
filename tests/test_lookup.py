"""Reading the paper a search query names: ids, links, DOIs; hostile words name nothing."""

from __future__ import annotations

import pytest

from paperwire.lookup import (
    Named,
    Reference,
    named_first,
    reference_in,
    references_in,
)
from paperwire.models import Scored

NEW = Reference("arxiv", "2606.17935")
OLD = Reference("arxiv", "hep-th/9901001")


@pytest.mark.parametrize(
    "word",
    [
        "2606.17935",
        "2606.17935v2",
        "2606.17935v12",
        "arXiv:2606.17935",
        "arxiv:2606.17935v2",
        "ARXIV:2606.17935",
        "ArXiv:2606.17935",
        "https://arxiv.org/abs/2606.17935",
        "https://arxiv.org/abs/2606.17935v3",
        "http://arxiv.org/abs/2606.17935",
        "arxiv.org/abs/2606.17935",
        "www.arxiv.org/abs/2606.17935",
        "https://www.arxiv.org/abs/2606.17935v1",
        "https://export.arxiv.org/abs/2606.17935",
        "export.arxiv.org/abs/2606.17935",
        "HTTPS://ARXIV.ORG/abs/2606.17935",
        "https://arxiv.org/abs/2606.17935/",
        "https://arxiv.org/abs/2606.17935?context=cs.CV",
        "https://arxiv.org/abs/2606.17935#comments",
        "https://arxiv.org/pdf/2606.17935",
        "https://arxiv.org/pdf/2606.17935v2",
        "https://arxiv.org/pdf/2606.17935v2.pdf",
        "arxiv.org/pdf/2606.17935.pdf",
        "https://arxiv.org/html/2606.17935",
        "https://arxiv.org/html/2606.17935v1/",
        "https://arxiv.org/html/2606.17935v1/#S3",
        "2606.17935v2.pdf",
        "10.48550/arXiv.2606.17935",
        "10.48550/ARXIV.2606.17935",
        "doi:10.48550/arXiv.2606.17935",
        "DOI:10.48550/arXiv.2606.17935",
        "https://doi.org/10.48550/arXiv.2606.17935",
        "doi.org/10.48550/arXiv.2606.17935",
        "http://dx.doi.org/10.48550/arXiv.2606.17935",
        "https://doi.org/10.48550%2FarXiv.2606.17935",
        "https://huggingface.co/papers/2606.17935",
        "huggingface.co/papers/2606.17935",
        "https://huggingface.co/papers/2606.17935#community",
        "https://hf.co/papers/2606.17935",
        # What surrounds a word in running text.
        "(2606.17935)",
        "[arXiv:2606.17935],",
        "“2606.17935”.",
        "<https://arxiv.org/abs/2606.17935>",
        "2606.17935;",
        # Full-width digits as a CJK keyboard types them.
        "２６０６.１７９３５",
    ],
)
def test_new_style_id_in_every_form(word: str) -> None:
    assert reference_in(word) == NEW


@pytest.mark.parametrize(
    "word",
    [
        "hep-th/9901001",
        "hep-th/9901001v3",
        "arXiv:hep-th/9901001v3",
        "arxiv:hep-th/9901001",
        "https://arxiv.org/abs/hep-th/9901001",
        "https://arxiv.org/abs/hep-th/9901001v2",
        "arxiv.org/pdf/hep-th/9901001v1.pdf",
        "https://doi.org/10.48550/arXiv.hep-th/9901001",
        "https://huggingface.co/papers/hep-th/9901001",
    ],
)
def test_old_style_id_in_every_form(word: str) -> None:
    assert reference_in(word) == OLD


def test_old_style_with_subject_class() -> None:
    assert reference_in("math.GT/0309136v1") == Reference("arxiv", "math.GT/0309136")


@pytest.mark.parametrize(
    ("word", "doi"),
    [
        ("10.1145/3580305.3599256", "10.1145/3580305.3599256"),
        ("doi:10.1145/3580305.3599256", "10.1145/3580305.3599256"),
        ("https://doi.org/10.1145/3580305.3599256", "10.1145/3580305.3599256"),
        ("https://dx.doi.org/10.1038/nature14539", "10.1038/nature14539"),
        ("10.1016/S0140-6736(20)30183-5", "10.1016/S0140-6736(20)30183-5"),
        ("(10.1016/S0140-6736(20)30183-5)", "10.1016/S0140-6736(20)30183-5"),
        ("10.1038/nature14539.", "10.1038/nature14539"),
    ],
)
def test_dois(word: str, doi: str) -> None:
    assert reference_in(word) == Reference("doi", doi)


@pytest.mark.parametrize(
    "word",
    [
        "",
        "2606",
        "17935",
        "2606.1793",  # four digits after 2015
        "1412.12345",  # five digits before 2015
        "2613.17935",  # month 13
        "9999.99999",
        "2606.00000",
        "0703.1234",  # before new-style ids began
        "2606.17935x",
        "2606.17935v",
        "2606.17935vv2",
        "x2606.17935",
        "2606.17935/2606.17936",
        "foo/arxiv.org/abs/2606.17935",
        "https://example.org/abs/2606.17935",
        "https://arxiv.org.example.org/abs/2606.17935",
        "https://arxiv.org/list/2606.17935",
        "https://arxiv.org/abs/",
        "https://arxiv.org/abs/2606.17935/extra",
        "javascript:alert(2606.17935)",
        "javascript://arxiv.org/abs/2606.17935",
        "ftp://arxiv.org/abs/2606.17935",
        "https://huggingface.co/2606.17935",
        "https://huggingface.co/papers/",
        "https://[::1/abs/2606.17935",
        "arXiv:",
        "arXiv:2606",
        "doi:",
        "10.1145",
        "10.12/abc",  # registrant too short
        "10.1145/",
        "٢٦٠٦.١٧٩٣٥",  # Arabic-Indic digits: no arXiv id is written so
        "2606.17935\x00",
        "\x002606.17935",
        "2606.1793\u200b5",
        "hep-th/990100",
        "HEP-TH/9901001",
        "hep-th/9913001",  # month 13
        "1.2.3",
        "3.14159",
        "2024.12345",
        "1" * 5000,
        "https://arxiv.org/abs/" + "2" * 5000,
        "10.1145/" + "x" * 600,
    ],
)
def test_words_that_name_nothing(word: str) -> None:
    assert reference_in(word) is None


def test_references_in_running_text() -> None:
    found, rest = references_in("see 2606.17935 for details, and arXiv: hep-th/9901001v2.")
    assert found == [NEW, OLD]
    assert rest == "see for details, and"


def test_the_same_paper_named_twice_counts_once() -> None:
    found, rest = references_in(
        "2606.17935 arxiv.org/abs/2606.17935v2 https://huggingface.co/papers/2606.17935"
    )
    assert found == [NEW]
    assert rest == ""


def test_a_query_without_references_is_left_alone() -> None:
    text = 'token "pruning for" +vision -language AND ( 2606 v2 arXiv doi'
    assert references_in(text) == ([], text)


def test_prefix_word_only_goes_with_a_reference() -> None:
    assert references_in("arXiv 2606.17935") == ([NEW], "")
    assert references_in("DOI: 10.1038/nature14539") == (
        [Reference("doi", "10.1038/nature14539")],
        "",
    )
    assert references_in("arxiv papers on pruning") == ([], "arxiv papers on pruning")


def test_whole() -> None:
    assert Named((NEW,), ((NEW.value,),), "").whole
    assert not Named((NEW,), ((NEW.value,),), "details").whole
    assert not Named((NEW, OLD), ((NEW.value,), ()), "").whole
    assert not Named().whole


def test_named_first_puts_named_papers_ahead_best_first() -> None:
    named = Named((NEW, OLD), ((NEW.value,), ()), "splatting")
    found = [Scored("2606.00001", 3.5, "matches: splatting"), Scored(NEW.value, 2.0, "x")]
    out = named_first(named, found, limit=10)
    assert [s.paper_id for s in out] == [NEW.value, "2606.00001"]
    assert out[0].score == 3.5 and out[0].reason == "named: arXiv:2606.17935"
    assert [s.score for s in out] == sorted((s.score for s in out), reverse=True)
    assert named.missing == [OLD]
    assert named.stored == [NEW.value]


def test_named_first_keeps_only_what_the_filters_allow_and_the_limit() -> None:
    named = Named((NEW,), ((NEW.value,),), "")
    assert named_first(named, [], limit=5, keep=set()) == []
    assert named_first(named, [], limit=5) == [Scored(NEW.value, 1.0, "named: arXiv:2606.17935")]
    found = [Scored(f"2606.0000{i}", 0.5, "") for i in range(1, 5)]
    assert len(named_first(named, found, limit=3)) == 3


def test_labels() -> None:
    assert NEW.label == "arXiv:2606.17935"
    assert Reference("doi", "10.1038/nature14539").label == "doi:10.1038/nature14539"
