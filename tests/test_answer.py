"""The default-mode answerer against the real stores: each question shape, citations, abstention."""

from __future__ import annotations

import re

import pytest

from retrieval.agent import Agent
from retrieval.models import Answer


def check_citations(a: Answer) -> None:
    """Every [n] resolves; every citation is verified and quotes text that is really there."""
    refs = {int(n) for n in re.findall(r"\[(\d+)\]", a.answer)}
    ns = {c.n for c in a.citations}
    assert refs <= ns, (a.answer, ns)
    assert ns == set(range(1, len(ns) + 1))
    for c in a.citations:
        assert c.verified and c.quote
        if c.passage_id:
            assert c.end > c.start


def ask(agent: Agent, q: str) -> Answer:
    a = agent.ask(q)
    assert a.error is None, a.error
    check_citations(a)
    return a


@pytest.mark.parametrize("q, must", [
    ("How many people are exploited for labor and commercial sex around the world?", ["27 million"]),
    ("What does Project Arachnid do?", ["web crawler"]),
    ("How much does the Cuban government collect from exporting services?", ["$6 billion", "$8 billion"]),
    ("What share of detected victims were trafficked for organ removal?", ["0.2 percent"]),
    ("Which country did the US announce a new anti-trafficking partnership with on June 24?", ["Zambia"]),
    ("Who led Operation Synergia?", ["INTERPOL"]),
])
def test_single_facts_are_short_and_cited(agent, q, must):
    a = ask(agent, q)
    assert not a.abstained, a.answer
    for m in must:
        assert m in a.answer
    assert a.citations and len(a.answer) < 600


def test_tier_lookup_via_alias(agent):
    a = ask(agent, "What tier is Myanmar in?")
    assert not a.abstained and "Burma" in a.answer and "Tier 3" in a.answer
    c = a.citations[0]
    assert c.passage_id is None and c.document == "tip_2024_tiers.csv" and c.quote.startswith("Burma,Tier 3")
    assert c.source and "2024 TIP Report" in c.source


def test_tier_change(agent):
    a = ask(agent, "Was Algeria upgraded or downgraded in 2024?")
    assert "upgraded" in a.answer and "Tier 3" in a.answer and "Tier 2 Watch List" in a.answer


def test_list_of_tier3_is_complete(agent):
    a = ask(agent, "Which countries were on Tier 3 in 2024?")
    for c in ["Afghanistan", "Burma", "China", "Cuba", "North Korea", "Russia", "Venezuela", "Sudan"]:
        assert c in a.answer
    assert len(a.citations) == 21


def test_partial_coverage_is_not_a_count(agent):
    a = ask(agent, "How many countries are on Tier 1?")
    assert a.abstained and "only" in a.answer and "6" in a.answer


def test_hero_list(agent):
    a = ask(agent, "List all the 2024 TIP Report Heroes")
    assert not a.abstained and "10" in a.answer
    for n in ["Cendón", "Inocencio", "Martinez", "Murogo", "al-Yasiri", "Noyon", "Pinas", "Samaké", "Savić", "Werlau"]:
        assert n in a.answer
    assert all(c.document.startswith("003") for c in a.citations)


def test_multihop_text_and_graph(agent):
    a = ask(agent, "What tier is the country where the founder of Atina works?")
    assert "Serbia" in a.answer and "Tier 2 Watch List" in a.answer
    docs = {c.document[:3] for c in a.citations}
    assert docs == {"003", "tip"}


def test_heroes_in_tier(agent):
    a = ask(agent, "Which heroes work in Tier 2 Watch List countries?")
    assert "Savić" in a.answer and "Samaké" in a.answer and "Werlau" not in a.answer


def test_hero_fact_follows_the_pronoun(agent):
    a = ask(agent, "What did Maria Werlau expose?")
    assert "medical missions" in a.answer


def test_duplicates_are_reported_once(agent):
    a = ask(agent, "What did Blinken call the very definition of a problem no one nation can solve alone?")
    assert not a.abstained
    assert a.reported_in and a.reported_in >= 3
    quotes = [c.quote for c in a.citations]
    assert len(quotes) == len(set(quotes))


@pytest.mark.parametrize("q", [
    "What did Elon Musk say about the TIP report?",
    "What tier is Canada in?",
    "Which TIP hero is from Brazil?",
    "What did the 2019 TIP report say about Thailand?",
    "What is the capital of France?",
    "Why was Spain downgraded to the Watch List?",
])
def test_abstains_when_sources_do_not_say(agent, q):
    a = ask(agent, q)
    assert a.abstained, a.answer
    assert a.answer  # a helpful message, not silence


def test_false_premise_is_corrected(agent):
    a = ask(agent, "Why was Canada downgraded to Tier 3 in 2024?")
    assert a.abstained and "Canada" in a.answer and "Tier 3" in a.answer


@pytest.mark.parametrize("q, fragment", [
    ("", "empty"), ("   \n\t ", "empty"), ("x" * 20_000, "limit"), ("???", "no words"),
    # words, but in a script the English sources never match: say so, not "no words"
    ("ما هو تصنيف ميانمار في التقرير؟", "sources are in English"), ("ミャンマーのランクは?", "sources are in English"),
])
def test_bad_questions_get_clear_messages(agent, q, fragment):
    a = agent.ask(q)
    assert a.abstained and a.error and fragment in a.answer


def test_control_characters_and_other_languages(agent):
    a = agent.ask("What tier is\x00 Burma\x1b in?")
    assert a.error is None and "Tier 3" in a.answer
    b = agent.ask("¿Cuál es el nivel de Birmania en el informe?")
    assert b.error is None  # answered or abstained, never an exception


def test_neo4j_down_is_a_clear_message_and_recovers(built_corpus, embedder):
    settings, _ = built_corpus
    down = settings.model_copy(update={"neo4j_uri": "bolt://127.0.0.1:9", "neo4j_password": "x"})
    a = Agent(down, embedder=embedder)
    r = a.ask("What tier is Burma?")
    assert r.abstained and r.error and "not reachable" in r.answer
    # "the server is back": point the same agent at the live one
    a.settings = settings
    a._graph = None
    r2 = a.ask("What tier is Burma?")
    assert not r2.abstained and "Tier 3" in r2.answer
    a.close()


def test_langchain_retriever_returns_documents(agent):
    from retrieval.retrievers import PassageRetriever

    agent.ensure_text()
    r = PassageRetriever(hybrid=agent.hybrid, tools=agent.tools, k=5)
    docs = r.invoke("online scam compounds in Burma")
    assert docs and all(d.metadata["passage_id"] and d.metadata["file"] for d in docs)
    assert any("Burma" in d.page_content for d in docs)


def test_which_outlet_answers_from_document_metadata(agent):
    a = agent.ask("Which news agency carried Blinken's remarks?")
    assert not a.abstained and "Kuwait News Agency" in a.answer and a.citations[0].verified
    # an article whose file names no outlet is named by its title, never by a guessed publisher
    b = agent.ask("Which website reported that the United States is deploying digital technologies to catch traffickers?")
    assert not b.abstained and "does not name" in b.answer and "“" in b.answer
