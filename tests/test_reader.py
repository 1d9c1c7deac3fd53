"""The text reader's parts on hand-made text: answer types, fillers, decomposition, quoting, and the
refusal when no sentence fills the slot. The cross-encoder is the real shipped model (no Neo4j)."""

from __future__ import annotations

import pytest

from retrieval.answer_types import AnswerType, EntityTagger, expected_type, fillers
from retrieval.decompose import decompose
from retrieval.reader import Candidate, Reader, quote_span, subject_of
from retrieval.understand import LinkedEntity
from text.sentences import answer_units


@pytest.mark.parametrize("question,kind", [
    ("How many victims did the police identify?", AnswerType.QUANTITY),
    ("what share of convicted traffickers got suspended sentences", AnswerType.QUANTITY),
    ("Since when has the hotline operated?", AnswerType.DATE),
    ("In what year was the law adopted?", AnswerType.DATE),
    ("For how many consecutive years has it stayed on the Watch List?", AnswerType.DURATION),
    ("Which agency coordinates the response?", AnswerType.ORGANIZATION),
    ("Who runs the shelter?", AnswerType.ORGANIZATION),
    ("Who is the ambassador at large?", AnswerType.PERSON),
    ("In which city did the raid happen?", AnswerType.PLACE),
    ("Which law criminalizes forced labor?", AnswerType.LAW),
    ("What national action plan did the government adopt?", AnswerType.PLAN),
    ("Which tier is it on?", AnswerType.TIER),
    ("Why did the ministry close the office?", AnswerType.REASON),
    ("Did the government prosecute complicit officials?", AnswerType.YESNO),
    ("Describe the situation of migrant workers.", AnswerType.DESCRIPTION),
])
def test_expected_type_comes_from_the_question_form(question, kind):
    assert expected_type(question) is kind


def test_fillers_of_each_type_and_not_what_the_question_says():
    s = "In 2023 the government convicted 14 traffickers and identified 1,200 victims."
    assert [f.text for f in fillers(s, AnswerType.QUANTITY, "How many traffickers in 2023?", None)][:2] == ["14", "1,200"]
    assert [f.text for f in fillers(s, AnswerType.DATE, "When?", None)] == ["2023"]
    assert fillers(s, AnswerType.DATE, "What happened in 2023?", None) == []  # the question's own year
    assert fillers("It remained on Tier 2 Watch List for the second consecutive year.", AnswerType.DURATION, "q",
                   None)[0].text == "second consecutive year"
    assert fillers("The government enacted a new anti-trafficking law.", AnswerType.LAW, "q", None)
    assert not fillers("The government did not consistently refer victims to shelter.", AnswerType.QUANTITY, "q", None)


def test_entity_fillers_come_from_spacy():
    tagger = EntityTagger()
    s = "The Ministry of Labor and the NGO La Strada opened a shelter in Chisinau."
    orgs = [f.text for f in fillers(s, AnswerType.ORGANIZATION, "Who runs the shelter?", tagger)]
    assert any("Ministry of Labor" in o for o in orgs)
    assert "Chisinau" in [f.text for f in fillers(s, AnswerType.PLACE, "Where?", tagger)]


def test_list_items_are_units_of_their_own():
    text = "Finalize SOPs for victim identification. * Train judges on the law. * Fund shelters for men."
    units = [text[a:b] for a, b in answer_units(text)]
    assert units == ["Finalize SOPs for victim identification.", "Train judges on the law.", "Fund shelters for men."]


def test_decomposition_splits_parts_by_form():
    parts = decompose("Which country opened an airport near the zone, in which city, and what is its tier?")
    assert [p.answer_type for p in parts] == [AnswerType.COUNTRY, AnswerType.PLACE, AnswerType.TIER]
    assert parts[0].asks_country and parts[2].about_tier
    assert len(decompose("What tier is Laos on?")) == 1
    assert len(decompose("How many victims and traffickers were identified?")) == 1  # one part, two nouns


def _row(text: str, subject: str = "", pid: str = "d:p000") -> dict:
    return {"passage_id": pid, "text": text, "title": f"2024 Trafficking in Persons Report: {subject}" if subject
            else "News", "subject_name": subject, "char_runs": [0, 0], "file": "f.txt", "dups": []}


def test_long_units_are_cut_to_the_clause_that_answers():
    text = ("The government made efforts, including " + "training many officials across the provinces, " * 6
            + "and convicting 12 traffickers; it also opened shelters.")
    row = _row(text)
    c = Candidate(row, 0, len(text), 0)
    c.fillers = fillers(text, AnswerType.QUANTITY, "How many traffickers were convicted?", None)
    i, j = quote_span(c, {"convic", "traffi"})
    assert j - i <= 300 and "12 traffickers" in text[i:j]


@pytest.fixture(scope="module")
def reader():
    from stores.reranker import Reranker

    return Reader(Reranker(), EntityTagger())


def test_reader_uses_the_chapter_subject_for_the_government(reader):
    suriname = _row("The Government of Suriname fully meets the minimum standards. These efforts included "
                    "convicting one trafficker and identifying more victims.", "Suriname")
    other = _row("The Government of Laos convicted 40 traffickers in special economic zones.", "Laos", "l:p000")
    country = LinkedEntity("Country", "SUR", "Suriname", "Suriname", 0, ("Suriname",))
    r = reader.read("How many traffickers did Suriname convict?", AnswerType.QUANTITY, [other, suriname],
                    [country], {"traffi", "convic"}, {"suriname"})
    assert r.chosen and "one trafficker" in r.chosen[0].text


def test_reader_refuses_when_no_unit_fills_the_slot(reader):
    row = _row("The government did not consistently refer victims to appropriate shelter and services.", "Algeria")
    country = LinkedEntity("Country", "DZA", "Algeria", "Algeria", 0, ("Algeria",))
    r = reader.read("Which NGO runs the shelters in Algeria?", AnswerType.ORGANIZATION, [row], [country],
                    {"shelte", "runs"}, {"algeria"})
    assert not r.chosen and r.reason in ("NO_FILLER", "WEAK_EVIDENCE")


def test_subject_from_title_or_property():
    assert subject_of({"title": "2024 Trafficking in Persons Report: Moldova"}) == "Moldova"
    assert subject_of({"title": "News", "subject_name": "Laos"}) == "Laos"
    assert subject_of({"title": "Some news article"}) == ""


def test_what_kind_of_is_answered_by_the_qualified_noun(reader):
    row = _row("The Government of Cambodia does not fully meet the minimum standards and is not making significant "
               "efforts to do so. Despite that, the government took some steps, including opening a victim support "
               "center and launching an online training course.", "Cambodia")
    country = LinkedEntity("Country", "KHM", "Cambodia", "Cambodia", 0, ("Cambodia",))
    q = "Even while staying on the lowest tier, what kind of center did Cambodia's government open?"
    r = reader.read(q, AnswerType.KIND, [row], [country], {"center", "govern", "open"}, {"cambodia"})
    assert r.chosen and "victim support center" in r.chosen[0].text
    assert [f.text for f in r.chosen[0].fillers] == ["a victim support center"]
    bare = _row("The government opened a center.", "Cambodia")
    assert not reader.read("What type of shelter did Cambodia open?", AnswerType.KIND, [bare], [country],
                           {"shelte", "open"}, {"cambodia"}).chosen


def test_the_unit_that_states_the_asked_act_wins(reader):
    row = _row("These efforts included identifying more victims and removing potential trafficking victims from "
               "special economic zones (SEZs). It classified almost all cases involving potential trafficking "
               "victims removed from SEZs as labor disputes.", "Laos")
    country = LinkedEntity("Country", "LAO", "Laos", "Lao", 0, ("Laos", "Lao"))
    q = "How did the Lao authorities classify the cases of possible victims removed from special economic zones?"
    r = reader.read(q, AnswerType.DESCRIPTION, [row], [country], {"classi", "cases", "victim", "remove", "specia",
                                                                  "econom", "zones"}, {"laos"})
    assert r.chosen and "labor disputes" in r.chosen[0].text
