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
    from tests.conftest import restore_default_corpus

    settings, _ = built_corpus
    run_ingest(settings, [PROJECT_ROOT / "data" / "chapters"], tiers_csv=settings.tiers_csv, embedder=embedder, nlp=nlp)
    agent = Agent(settings.model_copy(update={"refresh_seconds": 0.0}), embedder=embedder)
    yield agent
    agent.close()
    restore_default_corpus(settings, embedder, nlp)


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


def _stated_tiers() -> list[tuple[str, str]]:
    """(chapter file, tier the text states) from the chapters' README table, the ground truth."""
    from evals.chapter_facts import CHAPTERS, gold

    return [(f, g["tier"]) for f, g in sorted(gold(CHAPTERS).items())]


def test_every_chapter_states_its_tier_and_ask_cites_that_sentence(chapters_agent):
    stated = _stated_tiers()
    assert len(stated) == 13
    for file, tier in stated:
        country = file.removeprefix("tip2024_").removesuffix(".txt").replace("_", " ").title()
        a = ask(chapters_agent, f"What tier was {country} on in 2024?")
        assert not a.abstained and tier in a.answer, (country, a.answer)
        text_cites = [c for c in a.citations if c.passage_id]
        assert text_cites and text_cites[0].document == file and tier in text_cites[0].quote, (country, a.citations)


def test_scoped_lists_and_counts_come_from_the_chapters(chapters_agent):
    a = ask(chapters_agent, "Which of these chapters' countries were upgraded in 2024?")
    assert "Algeria" in a.answer and "Korea" in a.answer and "Laos" not in a.answer
    a = ask(chapters_agent, "How many of the countries covered in these chapters are on Tier 3?")
    assert a.answer.startswith("2 of the 13") and "Afghanistan" in a.answer and "Cambodia" in a.answer


def test_a_multi_part_question_joins_text_and_graph(chapters_agent):
    a = ask(chapters_agent, "Which country approved an airport next to a special economic zone, and what tier is it on?")
    assert not a.abstained and "Laos" in a.answer and "Tier 2 Watch List" in a.answer and len(a.citations) == 2


def test_a_described_country_is_found_then_the_rest_answered_about_it(chapters_agent):
    a = ask(chapters_agent, "In the country whose labor ministry brought on 20 new inspectors, what share of "
                            "identified victims received state-funded assistance?")
    assert not a.abstained and a.answer.startswith("Moldova:") and "22 percent" in a.answer, a.answer
    assert len(a.citations) == 2 and len(a.answer) <= 350
    a = ask(chapters_agent, "One of the Watch List countries increased law enforcement cooperation with Haiti. "
                            "Which one, and for how many consecutive years has it been on the Watch List?")
    assert a.answer.startswith("Dominican Republic") and "second consecutive year" in a.answer, a.answer


def test_compared_countries_are_answered_each_on_its_own(chapters_agent):
    a = ask(chapters_agent, "How does the scale of online scam trafficking victims described for Cambodia compare "
                            "with the number of Indonesian scam victims the Indonesian government supported?")
    assert not a.abstained and "tens of thousands" in a.answer and "hundreds" in a.answer, a.answer
    assert {c.document for c in a.citations} == {"tip2024_cambodia.txt", "tip2024_indonesia.txt"}


def test_one_sentence_answering_two_parts_is_quoted_whole(chapters_agent):
    a = ask(chapters_agent, "How many officials did the DR investigate for complicity in trafficking, and who got "
                            "convicted?")
    assert not a.abstained and "three" in a.answer and "police officer" in a.answer, a.answer


def test_a_tier_move_the_graph_contradicts_is_a_false_premise(chapters_agent):
    a = ask(chapters_agent, "What led to Uzbekistan being dropped to the Tier 2 Watch List in 2024?")
    assert a.abstained and a.abstain_reason == "the question's premise contradicts the sources", a.answer
    assert "remained on Tier 2" in a.answer


def test_a_topic_no_document_mentions_is_refused_by_its_nouns(chapters_agent):
    a = ask(chapters_agent, "What does the 2024 report say about forced labor in Uzbekistan's silk cocoon production?")
    assert a.abstained and "silk" in a.answer and "cocoon" in a.answer, a.answer
    a = ask(chapters_agent, "How many labour inspectors did Moldova recruit?")  # UK spelling, a synonym: answered
    assert not a.abstained and "20" in a.answer, a.answer
    # one noun the documents lack ("video": they say "audio-visual") beside ones they have ("court") is a paraphrase
    a = ask(chapters_agent, "What did Greece set up in every court to oversee tech upgrades like remote testimony by video?")
    assert not a.abstained and "three-person committee" in a.answer, a.answer


def test_bare_korea_is_the_chapter_country(chapters_agent):
    a = ask(chapters_agent, "Where does Korea rank in the 2024 report, and is that a change from its previous placement?")
    assert not a.abstained and "Tier 1" in a.answer and "upgraded" in a.answer, a.answer


# -- composed and listing questions (session 16; forms of set D's failures, which were read) ----------------

def test_the_others_on_a_named_tier_are_listed_without_the_named_country(chapters_agent):
    a = chapters_agent.ask("Haiti was treated as a Special Case in 2024 — which other country got that same "
                           "designation?")
    assert not a.abstained and "Libya" in a.answer and "Haiti" not in a.answer, a.answer
    assert a.citations and all(c.verified for c in a.citations)


def test_a_move_between_two_named_tiers_lists_exactly_those_countries(chapters_agent):
    a = chapters_agent.ask("List every country that went from Tier 3 in 2023 up to the Tier 2 Watch List in 2024.")
    for country in ("Algeria", "Chad", "Equatorial Guinea", "Guinea-Bissau"):
        assert country in a.answer, a.answer
    assert "Laos" not in a.answer  # a Watch List country that came from Tier 2, not from Tier 3


def test_named_countries_are_filtered_by_the_tier_asked(chapters_agent):
    a = chapters_agent.ask("Of Afghanistan, Algeria, Colombia, Germany, Laos and the Dominican Republic, which "
                           "ones are on the Tier 2 Watch List for 2024?")
    assert not a.abstained
    for country in ("Algeria", "Laos", "Dominican Republic"):
        assert country in a.answer, a.answer
    for country in ("Afghanistan", "Colombia", "Germany"):
        assert country not in a.answer, a.answer


def test_a_listing_part_and_a_fact_part_are_each_asked_on_their_own(chapters_agent):
    a = chapters_agent.ask("Which other chapter country shares the Dominican Republic's 2024 tier after being "
                           "upgraded into it, and for how many consecutive years has the DR been on that tier?")
    assert not a.abstained and "Algeria" in a.answer and "second consecutive year" in a.answer, a.answer
    assert "premise" not in a.answer  # the upgrade is said of the other country, not of the DR


def test_a_part_that_says_it_is_asked_about_the_country_and_a_tier_part_keeps_its_year(chapters_agent):
    a = chapters_agent.ask("South Korea got bumped up to Tier 1 this year. What tier was it on in 2023, and how "
                           "many victims did it identify?")
    assert not a.abstained and "55" in a.answer and "Tier 2 in 2023" in a.answer, a.answer


def test_the_status_of_a_countrys_case_is_read_from_the_text_not_the_tier(chapters_agent):
    a = chapters_agent.ask("what's the status of colombia's only labor trafficking case that ever got to a "
                           "conviction?")
    assert "appeal" in a.answer and "Tier 1" not in a.answer, a.answer


def test_a_rough_figure_does_not_answer_an_exact_number(chapters_agent):
    a = chapters_agent.ask("What was the exact number of Indonesian forced-labor victims of online scam operations "
                           "that the government supported?")
    assert a.abstained, a.answer


def test_a_follow_up_part_with_no_words_of_its_own_is_the_listing_itself(chapters_agent):
    a = chapters_agent.ask("How many of the chapter countries are on Tier 3, and which are they?")
    assert not a.abstained and "Afghanistan" in a.answer and "Cambodia" in a.answer, a.answer
