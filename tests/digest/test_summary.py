from __future__ import annotations

import gzip
import json
from itertools import islice
from pathlib import Path

from paperwire.digest.summary import is_dangling, split_sentences, summarize
from paperwire.text import plain_text


def test_sentences_do_not_split_after_abbreviations_initials_or_numbers() -> None:
    text = (
        "We follow Smith et al. and use e.g. Fig. 3 with a 3.5 dB gain. "
        "J. Doe proposed it in 2020! Does it work? Yes."
    )
    assert split_sentences(text) == [
        "We follow Smith et al. and use e.g. Fig. 3 with a 3.5 dB gain.",
        "J. Doe proposed it in 2020!",
        "Does it work?",
        "Yes.",
    ]


def test_latex_becomes_readable_text() -> None:
    summary = summarize(
        r"Runs in $\mathcal{O}(n \log n)$ for $\alpha \geq 0$ on Erd\H{o}s--R\'enyi graphs."
    )
    assert summary == "Runs in 𝒪(n log n) for α≥ 0 on Erdős–Rényi graphs."
    assert (
        summarize(r"\textbf{\emph{Bold}} 50\% of $$x$$ and 40% of y.")
        == "Bold 50% of x and 40% of y."
    )


def test_two_weightiest_sentences_in_their_original_order() -> None:
    abstract = (
        "Token pruning speeds up vision language models. "
        "The weather was nice. "
        "We prune visual tokens by attention and keep the important tokens for the language model. "
        "Experiments on vision language benchmarks show pruning keeps accuracy with fewer tokens."
    )
    summary = summarize(abstract)
    assert summary == (
        "Token pruning speeds up vision language models. Experiments on vision language "
        "benchmarks show pruning keeps accuracy with fewer tokens."
    )
    assert "weather" not in summary
    assert summarize(abstract) == summary  # deterministic
    assert summarize("One sentence only.") == "One sentence only."
    assert summarize("") == ""


def test_sentences_that_refer_back_are_never_chosen() -> None:
    abstract = (
        "Vision language models assume that every visual token matters for the answer. "
        "We show that this assumption is suboptimal for vision language token pruning. "
        "However, pruning visual tokens of vision language models loses accuracy. "
        "These pruned vision language models run faster on visual question answering. "
        "Token pruning by attention keeps the vision language accuracy of the full models."
    )
    summary = summarize(abstract)
    assert summary == (
        "Vision language models assume that every visual token matters for the answer. "
        "Token pruning by attention keeps the vision language accuracy of the full models."
    )
    # The opening sentence may start any way it likes.
    assert (
        summarize("This benchmark measures speed. It is fast.") == "This benchmark measures speed."
    )


def test_dangling_openings() -> None:
    for sentence in (
        "This improves accuracy.",
        "These results hold.",
        "It is fast.",
        "Such models fail.",
        "However, pruning loses accuracy.",
        "Thus we prune.",
        "We show that this assumption is suboptimal.",
        "Our experiments suggest that these gains hold.",
        "To address these issues, we propose X.",
        "To this end, we design Y.",
        "In addition, we release code.",
        "The proposed method is fast.",
        "(However) it works.",
        "“This” is quoted.",
    ):
        assert is_dangling(sentence), sentence
    for sentence in (
        "This paper introduces a benchmark.",
        "In this work, we study pruning.",
        "We show that transformers can count.",
        "Token pruning speeds up models.",
        "Itemized lists are common.",
        "Thesis statements vary.",
        "",
    ):
        assert not is_dangling(sentence), sentence


def test_summaries_of_real_abstracts_never_open_mid_argument(shared_data: Path) -> None:
    with gzip.open(shared_data / "arxiv_daily_cs_2025_2026.jsonl.gz", "rt", encoding="utf-8") as f:
        abstracts = [json.loads(line)["summary"] for line in islice(f, 1_500)]
    skipped = 0
    for abstract in abstracts:
        sentences = split_sentences(plain_text(abstract))
        chosen = split_sentences(summarize(abstract))
        assert chosen and len(chosen) <= 2
        for sentence in chosen:
            assert sentence == sentences[0] or not is_dangling(sentence), sentence
        skipped += sum(1 for s in sentences[1:] if is_dangling(s))
    assert skipped >= 500  # real abstracts are full of them: "However, ...", "These ..."
