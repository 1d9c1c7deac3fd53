"""Question forms the reader must read by structure, not by topic: the clause that asks, a country
described instead of named, countries compared, a scene-setting clause, a magnitude vs a count, a bare
country name. Pure functions and hand-made entity rows: no Neo4j, no model."""

from __future__ import annotations

import pytest

from retrieval.answer_types import AnswerType, EntityTagger, expected_type, fillers
from retrieval.decompose import ask_about, decompose, find_clue, is_comparison
from retrieval.understand import EntityLinker, Shape, classify, main_clause
from text.countries import bare_name, with_bare_names

ROWS = [
    {"label": "Country", "key": "KHM", "name": "Cambodia", "aliases": ["Cambodian"]},
    {"label": "Country", "key": "COL", "name": "Colombia", "aliases": ["Colombian"]},
    {"label": "Country", "key": "DZA", "name": "Algeria", "aliases": ["Algerian"]},
    {"label": "Country", "key": "KOR", "name": "Korea, South", "aliases": ["South Korea", "Korea, Republic of", "ROK"]},
    {"label": "Country", "key": "PRK", "name": "North Korea", "aliases": ["Korea, North", "DPRK"]},
]


def shape(question: str, rows=ROWS) -> Shape:
    linker = EntityLinker(rows)
    return classify(question, linker.link(question))


@pytest.mark.parametrize("question,asked", [
    ("Even while staying on the lowest tier, what kind of center did Cambodia open?",
     "what kind of center did Cambodia open?"),
    ("Colombian courts convicted one case. Where does that case stand now?", "Where does that case stand now?"),
    ("What tier is Algeria on?", "What tier is Algeria on?"),
])
def test_main_clause_is_what_is_asked(question, asked):
    a, b = main_clause(question)
    assert question[a:b] == asked


def test_tier_words_in_the_scene_setting_clause_do_not_make_a_tier_question():
    assert shape("Even while staying on the lowest tier, what kind of center did Cambodia's government open?") \
        is Shape.FACT
    assert shape("What tier is Cambodia on?") is Shape.TIER_LOOKUP


@pytest.mark.parametrize("question,expected", [
    ("where does algeria sit in the 2024 tip report and did it go up or down?", Shape.TIER_CHANGE),
    ("Where does Algeria stand in the report?", Shape.TIER_LOOKUP),
    ("Colombian courts have convicted one labor trafficking case. Where does that case stand now?", Shape.FACT),
    ("What is the status of the draft law that Algeria's parliament is debating?", Shape.FACT),
])
def test_placement_words_count_only_when_said_of_a_country(question, expected):
    assert shape(question) is expected


def test_a_scene_setting_clause_is_not_a_part():
    parts = decompose("Even while staying on the lowest tier, what kind of center did Cambodia open?")
    assert len(parts) == 1 and not parts[0].about_tier
    assert parts[0].text.startswith("what kind of center")
    assert len(decompose("Which country opened X, in which city, and what was its tier?")) == 3


def test_a_described_country_is_a_clue_and_the_rest_is_asked_about_it():
    clue = find_clue("In the country whose labor ministry brought on 20 new inspectors, what share of "
                     "identified victims received state-funded assistance?")
    assert clue.text == "the country whose labor ministry brought on 20 new inspectors"
    assert ask_about(clue, "Moldova") == "In Moldova, what share of identified victims received state-funded assistance?"

    clue = find_clue("One of the Watch List countries increased law enforcement cooperation with Haiti. Which one, "
                     "and for how many consecutive years has it been on the Watch List?")
    assert clue.text.startswith("One of the Watch List countries")
    assert ask_about(clue, "the Dominican Republic") == \
        "for how many consecutive years has the Dominican Republic been on the Watch List?"

    only = find_clue("One of these countries opened a victim support center. Which one?")
    assert only.rest == "" and ask_about(only, "Cambodia") == ""


def test_ordinary_questions_have_no_clue():
    assert find_clue("Which country that opened a shelter is on Tier 3?") is None
    assert find_clue("How many victims did Colombia identify?") is None
    assert find_clue("Algeria tripled prosecutions. What tier is it on?") is None


def test_comparison_needs_two_countries_and_a_comparing_word():
    assert is_comparison("How does Cambodia's scam problem compare with Indonesia's?", 2)
    assert not is_comparison("How does Cambodia's scam problem compare with last year?", 1)
    assert not is_comparison("What did Cambodia and Indonesia sign?", 2)


@pytest.mark.parametrize("question,sentence,found", [
    # a magnitude: no counted noun, so "tripling" answers
    ("By how much did Algeria increase its prosecutions?", "tripling prosecutions of alleged traffickers", True),
    # the counted noun is the phrase's head, not a word before it
    ("How does it compare with the number of Indonesian scam victims the government supported?",
     "cooperating with a foreign government to address one online scam operation", False),
    ("How does it compare with the number of Indonesian scam victims the government supported?",
     "supporting hundreds of Indonesian forced labor victims exploited in online scam operations", True),
    ("What exact number of trafficking victims did the authorities identify?", "the majority of those identified",
     False),
])
def test_quantity_slots(question, sentence, found):
    assert expected_type(question) is AnswerType.QUANTITY
    assert bool(fillers(sentence, AnswerType.QUANTITY, question, EntityTagger())) is found


@pytest.mark.parametrize("question,kind", [
    ("Where does that case stand now?", AnswerType.DESCRIPTION),
    ("Where does Korea rank in the 2024 report?", AnswerType.TIER),
    ("Where is the new shelter located?", AnswerType.PLACE),
])
def test_where_is_not_always_a_place(question, kind):
    assert expected_type(question) is kind


def test_bare_country_name_goes_to_the_one_the_documents_mention():
    assert bare_name("South Korea") == "Korea" and bare_name("Korea, Republic of") == "Korea"
    assert bare_name("Dominican Republic") is None
    ambiguous = EntityLinker(with_bare_names(ROWS))
    assert ambiguous.link("Where does Korea rank?") == []  # both Koreas are ingested and neither is mentioned
    mentioned = EntityLinker(with_bare_names(ROWS, mentioned={"KOR", "KHM"}))
    assert [e.key for e in mentioned.link("Where does Korea rank?")] == ["KOR"]
    assert shape("Where does Korea rank in the 2024 report?", with_bare_names(ROWS, {"KOR"})) is Shape.TIER_LOOKUP


def test_a_clue_before_a_dash_then_the_rest_about_it():
    clue = find_clue("The government that approved an international airport beside the Golden Triangle SEZ - which "
                     "country is it and what tier did it get?")
    assert clue.text == "The government that approved an international airport beside the Golden Triangle SEZ"
    assert ask_about(clue, "Laos") == "what tier did Laos get?"


def test_which_agency_is_a_publisher_only_when_the_question_is_about_publishing():
    assert shape("Which news agency carried Blinken's remarks?") is Shape.SOURCE_OUTLET
    assert shape("Which agency carried the remarks?") is Shape.SOURCE_OUTLET
    assert shape("Which agency in Algeria fights trafficking?") is Shape.FACT


@pytest.mark.parametrize("question,kind,sentence,filler", [
    ("When did Nigeria last convict complicit officials?", AnswerType.DATE,
     "convicting two complicit officials for the first time in four years", "first time in four years"),
    ("When was the office opened?", AnswerType.DATE, "The office opened two years ago.", "two years ago"),
    ("Where were children exploited in begging?", AnswerType.PLACE,
     "children exploited in begging in religious schools were not identified", "in religious schools"),
])
def test_relative_times_and_settings_fill_date_and_place_slots(question, kind, sentence, filler):
    assert expected_type(question) is kind
    assert filler in [f.text for f in fillers(sentence, kind, question, EntityTagger())][-1]


def test_a_yes_no_answer_says_no_to_the_opposite_comparison():
    from retrieval.premises import evidence_says_no

    q = "Did Nigeria prosecute more trafficking cases than the year before?"
    assert evidence_says_no(q, "The government investigated and prosecuted fewer cases compared with the previous period.")
    assert not evidence_says_no(q, "The government prosecuted more cases than in the previous period.")
    assert evidence_says_no("Did Algeria open a shelter?", "The government did not open a shelter.")


@pytest.mark.parametrize("question, quote, false_premise", [
    ("Which anti-trafficking law did Ruritania pass last year?",
     "A draft anti-trafficking law remained pending before parliament.", True),
    ("Why was Ruritania downgraded to Tier 3?", "Ruritania remained on Tier 2 Watch List.", True),
    ("Why was Ruritania downgraded to Tier 3?", "Ruritania was downgraded to Tier 3 for failing to act.", False),
    ("How many traffickers did the government convict?", "The government did not convict any traffickers.", True),
    ("How many traffickers did the government convict?", "The government convicted four traffickers.", False),
    ("Did the government convict any traffickers?", "The government did not convict any traffickers.", False),
])
def test_a_premise_the_evidence_denies_is_caught_in_general_form(question, quote, false_premise):
    from retrieval.premises import contradicts

    assert contradicts(question, quote) is false_premise


# -- forms of composed and listing questions (session 16) ---------------------------------------------------

TIER_ROWS = ROWS + [
    {"label": "Country", "key": "HTI", "name": "Haiti", "aliases": []},
    {"label": "Country", "key": "LAO", "name": "Laos", "aliases": ["Lao PDR"]},
    {"label": "Country", "key": "DOM", "name": "Dominican Republic", "aliases": []},
    {"label": "Tier", "key": "Special Case", "name": "Special Case", "aliases": []},
    {"label": "Tier", "key": "Tier 3", "name": "Tier 3", "aliases": []},
    {"label": "Tier", "key": "Tier 2 Watch List", "name": "Tier 2 Watch List", "aliases": ["Watch List"]},
]


@pytest.mark.parametrize("question,expected", [
    # the others on a tier: named, or the named country's
    ("Haiti was treated as a Special Case in 2024 — which other country got that same designation?", Shape.TIER_PEERS),
    ("Which other countries share the Dominican Republic's tier?", Shape.TIER_PEERS),
    # from one tier to another, no one country: every such move
    ("List every country that went from Tier 3 in 2023 up to the Tier 2 Watch List in 2024.", Shape.TIER_CHANGES_ALL),
    # several countries named, then filtered by a tier
    ("Of Algeria, Laos, Cambodia and Colombia, which ones are on the Tier 2 Watch List?", Shape.TIER_LIST),
    # a country as the owner of what is asked about: not its tier
    ("what's the status of colombia's only labor trafficking case that ever got to a conviction?", Shape.FACT),
    ("What's Algeria's status in the report?", Shape.TIER_LOOKUP),
    ("Did Algeria go from Tier 3 to the Watch List?", Shape.TIER_CHANGE),
])
def test_listing_and_composed_forms(question, expected):
    assert shape(question, TIER_ROWS) is expected


def test_a_dash_ends_the_scene_setting_clause():
    q = "Algeria got credit for a big jump in one law-enforcement number - what did it triple?"
    a, b = main_clause(q)
    assert q[a:b] == "what did it triple?"


def test_a_part_opening_on_a_preposition_and_a_wh_word_is_a_part():
    parts = decompose("Which other chapter country shares the DR's tier, and for how many consecutive years has "
                      "the DR been on that tier?")
    assert [p.text.split()[0] for p in parts] == ["Which", "for"]


def test_a_part_names_the_question_country_and_says_its_year():
    from retrieval.decompose import part_year, self_contained

    assert self_contained("how many victims did it identify", "South Korea") == \
        "how many victims did South Korea identify"
    assert self_contained("how many victims were identified", "South Korea") == "how many victims were identified"
    assert part_year("What tier was it on in 2023") == 2023
    assert part_year("what was its tier") == 2024


def test_the_asked_clause_is_scored_on_its_own_when_a_long_clause_sets_the_scene():
    from types import SimpleNamespace

    from retrieval.reader import asked_core

    algeria = SimpleNamespace(label="Country", name="Algeria")
    q = "Algeria got credit for a big jump in one law-enforcement number in the 2024 report - what did it triple?"
    assert asked_core(q, [algeria]) == "what did Algeria triple?"
    assert asked_core("What did Algeria triple?", [algeria]) == ""  # nothing sets the scene


def test_an_exact_number_is_not_filled_by_a_rough_one():
    s = "The government supported hundreds of Indonesian forced labor victims of online scam operations."
    assert not fillers(s, AnswerType.QUANTITY, "What was the exact number of forced labor victims it supported?", None)
    assert fillers(s, AnswerType.QUANTITY, "How many forced labor victims did it support?", None)
    exact = "The government supported 312 Indonesian forced labor victims of online scam operations."
    assert fillers(exact, AnswerType.QUANTITY, "What was the exact number of forced labor victims it supported?", None)
