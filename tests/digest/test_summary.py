from __future__ import annotations

from paperwire.digest.summary import detex, split_sentences, summarize


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
    assert detex(r"runs in $\mathcal{O}(n \log n)$ for $\alpha \geq 0$") == (
        "runs in O(n log n) for α ≥ 0"
    )
    assert detex(r"\textbf{\emph{bold}} 50\% of $$x$$") == "bold 50% of x"


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
