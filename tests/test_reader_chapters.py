"""The reader on real chapters it was not written for, against the real stores: the chapter's country
stands behind "the government", answer types pick the sentence, and no filler means a refusal with
its reason. The default corpus is restored afterwards (other tests share it)."""

from __future__ import annotations

import pytest

from tests.test_answer import ask


@pytest.fixture(scope="module")
def chapters_agent(built_corpus, embedder, nlp):
    from ingest.build import run_ingest
    from kg.settings import PROJECT_ROOT
    from retrieval.agent import Agent
    from tests.conftest import wipe_graph

    settings, _ = built_corpus
    run_ingest(settings, [PROJECT_ROOT / "data" / "chapters"], tiers_csv=settings.tiers_csv, embedder=embedder, nlp=nlp)
    agent = Agent(settings.model_copy(update={"refresh_seconds": 0.0}), embedder=embedder)
    yield agent
    agent.close()
    wipe_graph(settings)
    run_ingest(settings, [settings.corpus_dir], tiers_csv=settings.tiers_csv, embedder=embedder, nlp=nlp)


@pytest.mark.parametrize("q, must", [
    ("What share of identified victims in Moldova received state-funded assistance?", "22 percent"),
    ("roughly what part of convicted traffickers still got suspended sentences in Greece", "a third"),
    ("How many complicit officials did Nigeria convict?", "two complicit officials"),
])
def test_the_chapter_country_stands_behind_the_government(chapters_agent, q, must):
    a = ask(chapters_agent, q)
    assert not a.abstained and must in a.answer, a.answer
    assert a.citations[0].document.startswith("tip2024_") and len(a.answer) <= 350


def test_no_filler_means_a_refusal_that_says_what_is_missing(chapters_agent):
    a = ask(chapters_agent, "Which international organization did Colombia partner with for its campaign?")
    assert a.abstained and a.abstain_reason and "don't say" in a.answer
    a = ask(chapters_agent, "How much funding did the US give the Nigerian government in 2024?")
    assert a.abstained


def test_chapters_by_topic_are_listed_each_cited(chapters_agent):
    a = ask(chapters_agent, "Which of the chapters mention victims exploited in online scam operations?")
    assert not a.abstained
    for country in ("Cambodia", "Laos", "Indonesia"):
        assert country in a.answer
    assert len(a.citations) >= 3


def test_a_false_premise_in_text_is_corrected(chapters_agent):
    a = ask(chapters_agent, "Why was Colombia downgraded in 2024?")
    assert a.abstained
