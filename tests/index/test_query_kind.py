"""Questions in a reader's words are told from titles and keywords, and searched as such."""

import pytest

from paperwire.index.jobs import update_index
from paperwire.index.query_kind import query_kind, question_terms
from paperwire.index.search import Searcher
from paperwire.models import Paper

QUESTIONS = [
    "how do robots learn household chores from videos of people?",
    "which methods make small language models check their own arithmetic",
    "papers about detecting made-up facts in chatbot answers",
    "Looking for work on compressing images with learned codecs",
    "is there a way to train a vision model without any labelled images?",
    # a description, no question word: long, or full of function words
    "teaching robots reusable behaviours from unlabeled clips by planning in a latent space",
    "a survey of the ways that language models can be made to forget",
]
WORDS = [
    "diffusion policy manipulation",
    "graph neural networks",
    "Attention Is All You Need",
    "Can LLMs Detect Intrinsic Hallucinations in Paraphrasing and Machine Translation?",
    "How Many Tokens Do 3D Point Cloud Transformer Architectures Really Need?",
    '"diffusion policy" how do robots learn from videos of people?',
    "+graph how do robots learn household chores from videos of people",
    "title:robots how do robots learn household chores from videos of people",
    "",
    "???",
    "2606.27660",
]


@pytest.mark.parametrize("query", QUESTIONS)
def test_questions_and_descriptions_read_as_questions(query: str) -> None:
    assert query_kind(query) == "question"


@pytest.mark.parametrize("query", WORDS)
def test_titles_keywords_and_search_syntax_read_as_words(query: str) -> None:
    assert query_kind(query) == "words"


def test_a_question_keeps_the_words_that_can_describe_a_paper() -> None:
    assert question_terms("How can robots learn household chores from videos?") == (
        "robots learn household chores videos"
    )
    assert question_terms("papers by Yann LeCun on world models") == "Yann LeCun world models"
    # nothing but filler: the query as it was
    assert question_terms("how can we do this?") == "how can we do this?"


CHORES = Paper(
    id="9901.00001",
    title="Skill transfer for mobile manipulators",
    abstract=(
        "Household robots learn chores such as folding laundry and loading dishwashers "
        "by watching videos of people doing them, without any teleoperated data."
    ),
)
DECOY = Paper(
    id="9901.00002",
    title="Robots watching videos of chores",
    abstract="A dataset of clips recorded by a camera mounted on a warehouse shelf.",
)


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_a_question_is_answered_by_the_abstract_not_by_title_words(indexed, mode) -> None:
    store, settings = indexed
    store.upsert_papers([CHORES, DECOY])
    update_index(store, settings, similar=False)
    searcher = Searcher(store, settings)
    question = "how can household robots learn chores by watching videos of people?"
    assert searcher.search(question, mode=mode, limit=1)[0].paper_id == CHORES.id
    # the same words as a title: the title is the best evidence
    title = "Robots Watching Videos of Chores"
    assert searcher.search(title, mode=mode, limit=1)[0].paper_id == DECOY.id
