"""The chapter fact extractor and chapter detection on single sentences (no stores): forms the report uses
beyond the 13 development chapters, and sentences that must NOT yield a fact."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chapters import detect_chapter
from ingest.clean import clean
from ingest.entities import Gazetteer
from ingest.facts import canonical_tier, sentence_facts
from ingest.models import RawDocument


@pytest.fixture(scope="module")
def gaz():
    return Gazetteer()


def chapter(iso3: str, aliases=()) -> RawDocument:
    return RawDocument(Path("x.txt"), "d0", "", "x.txt", kind="chapter", subject=iso3, subject_name=iso3,
                       local_aliases=list(aliases))


def placements(gaz, iso3, sentence, aliases=()):
    return [(p["tier"], p["direction"], p["consecutive_years"], p["year"])
            for kind, _, _, p in sentence_facts(gaz, chapter(iso3, aliases), sentence) if kind == "placement"]


@pytest.mark.parametrize("iso3, sentence, want", [
    ("THA", "The government demonstrated overall increasing efforts; therefore Thailand remained on Tier 2.",
     ("Tier 2", "remained", None, 2024)),
    ("TUR", "Therefore, Türkiye was downgraded to Tier 2 Watch List.", ("Tier 2 Watch List", "downgraded", None, 2024)),
    ("MMR", "Therefore Burma remained on Tier 3 for the seventh consecutive year.", ("Tier 3", "remained", 7, 2024)),
    ("KOR", "The government made key achievements; therefore South Korea was upgraded to Tier 1.",
     ("Tier 1", "upgraded", None, 2024)),
    ("LAO", "Therefore Lao PDR remained on the Tier 2 Watch List for a second year in a row.",
     ("Tier 2 Watch List", "remained", 2, 2024)),
    ("GAB", "Because the government has devoted sufficient resources to a written plan that, if implemented, would "
            "constitute significant efforts to meet the minimum standards, Gabon was granted a waiver per the "
            "Trafficking Victims Protection Act from an otherwise required downgrade to Tier 3 and remained on Tier 2 "
            "Watch List for the third consecutive year.", ("Tier 2 Watch List", "remained", 3, 2024)),
    ("LBY", "Libya remains a Special Case for the ninth consecutive year.", ("Special Case", "remained", 9, 2024)),
    ("HTI", "Haiti is a Special Case.", ("Special Case", None, None, 2024)),
    ("ZAF", "Therefore the government was upgraded to Tier 2.", ("Tier 2", "upgraded", None, 2024)),  # its own
    ("KOR", "Therefore the ROK remained on Tier 1 for the 3rd consecutive year.", ("Tier 1", "remained", 3, 2024)),
    ("BLR", "In the 2023 TIP Report, Belarus was placed on Tier 3.", ("Tier 3", None, None, 2023)),
    ("GBR", "Therefore the United Kingdom remained on Tier One.", ("Tier 1", "remained", None, 2024)),
])
def test_placement_forms(gaz, iso3, sentence, want):
    assert placements(gaz, iso3, sentence) == [want]


@pytest.mark.parametrize("iso3, sentence", [
    ("THA", "Victim protection services remained inadequate."),
    ("THA", "Corruption remained widespread during the year, and prosecutions remained low."),
    ("THA", "If the government does not act, Thailand could be downgraded to Tier 3."),
    ("THA", "Thailand would have been downgraded to Tier 3 without the waiver."),
    ("THA", "Thailand was not upgraded to Tier 1 because it did not meet the minimum standards."),
    ("THA", "Officials urged the government to avoid a downgrade to Tier 3."),
    ("THA", "Neighboring Burma remained on Tier 3."),  # another country in this chapter: not its placement
    ("THA", "The report placed 21 countries on Tier 3."),
    ("THA", "Tier 2 Watch List countries face restrictions on assistance."),
    ("GAB", "Gabon was granted a waiver from an otherwise required downgrade to Tier 3."),  # no downgrade happened
    ("THA", "The tier remained unchanged, as the ministry remained on alert."),
])
def test_sentences_that_state_no_placement(gaz, iso3, sentence):
    assert placements(gaz, iso3, sentence) == []


def standards(gaz, iso3, sentence, aliases=()):
    return [p["standard"] for kind, _, _, p in sentence_facts(gaz, chapter(iso3, aliases), sentence)
            if kind == "status"]


@pytest.mark.parametrize("iso3, sentence, want", [
    ("THA", "The Government of Thailand does not fully meet the minimum standards for the elimination of trafficking "
            "but is making significant efforts to do so.", "significant_efforts"),
    ("PRK", "The Government of North Korea does not fully meet the minimum standards for the elimination of "
            "trafficking and is not making significant efforts to do so.", "not_significant_efforts"),
    ("GBR", "The Government of the United Kingdom fully meets the minimum standards for the elimination of "
            "trafficking.", "meets"),
    ("CIV", "The Government of Côte d’Ivoire does not fully meet the minimum standards for the elimination of "
            "trafficking but is making significant efforts to do so.", "significant_efforts"),
    ("KOR", "The Government of the Republic of Korea (ROK) fully meets the minimum standards for the elimination of "
            "trafficking.", "meets"),
])
def test_standard_forms(gaz, iso3, sentence, want):
    assert standards(gaz, iso3, sentence) == [want]


@pytest.mark.parametrize("sentence", [
    "Although the government meets the minimum standards, judges continued to issue lenient sentences.",
    "However, the government did not meet the minimum standards in several key areas.",
    "NAPTIP finalized and launched minimum standards and guidelines for service providers.",
    "The Government of Burma does not fully meet the minimum standards for the elimination of trafficking and is "
    "not making significant efforts to do so.",  # another country's standards sentence, quoted in this chapter
])
def test_sentences_that_state_no_standard(gaz, sentence):
    assert standards(gaz, "THA", sentence) == []


def plans(gaz, sentence):
    return [(p["status"], p["start_year"], p["end_year"], p["duration_years"])
            for kind, _, _, p in sentence_facts(gaz, chapter("THA"), sentence) if kind == "action_plan"]


@pytest.mark.parametrize("sentence, want", [
    ("The government adopted a 2023-2027 national action plan.", ("adopted", 2023, 2027, 5)),
    ("The government continued to implement its NAP for 2022–2025.", ("implementing", 2022, 2025, 4)),
    ("The government also finalized and implemented a new anti-trafficking NAP.", ("finalized", None, None, None)),
    ("The government adopted a new three-year national strategy to combat trafficking.", ("adopted", None, None, 3)),
    ("The government did not adopt a national action plan.", ("not adopted", None, None, None)),
])
def test_action_plan_forms(gaz, sentence, want):
    assert plans(gaz, sentence) == [want]


@pytest.mark.parametrize("sentence", [
    "Finalize and implement a formal national victim referral mechanism to refer victims to appropriate care.",
    "The government finalized and implemented SOPs for providing services to victims.",
    "Adopt and implement a national action plan.",  # a recommendation, not a fact
    "Observers called for an action plan on forced labor.",
])
def test_sentences_that_state_no_action_plan(gaz, sentence):
    assert plans(gaz, sentence) == []


def test_tier_names():
    assert canonical_tier("Tier  2 Watch List") == "Tier 2 Watch List" and canonical_tier("tier three") == "Tier 3"
    assert canonical_tier("Watch List") is None and canonical_tier("Tier 4") is None


def _blocks(text: str):
    c = clean(text)
    return c.title, c.blocks


BODY = ("does not fully meet the minimum standards for the elimination of trafficking but is making significant "
        "efforts to do so. The government demonstrated overall increasing efforts.\n")


@pytest.mark.parametrize("text, iso3, found_by", [
    ("2024 Trafficking in Persons Report: Türkiye\n\nThe Government of Türkiye " + BODY, "TUR", "title"),
    ("KOREA, SOUTH (Tier 1)\n\nThe Government of the Republic of Korea " + BODY, "KOR", "heading"),
    ("BURMA (Tier 3)\n\nThe Government of Burma " + BODY, "MMR", "heading"),
    ("GAMBIA, THE (Tier 2)\n\nThe Government of The Gambia " + BODY, "GMB", "heading"),
    ("The Government of Lao PDR " + BODY, "LAO", "opening"),
    ("Dokument #2111700 / USDOS – US Department of State (Autor)\n\nThe Government of Myanmar " + BODY, "MMR",
     "opening"),
])
def test_chapter_detection(gaz, text, iso3, found_by):
    c = detect_chapter(gaz, *_blocks(text))
    assert c is not None and (c.iso3, c.found_by) == (iso3, found_by)


@pytest.mark.parametrize("text", [
    "2024 Trafficking in Persons Report\n\nThe State Department released its annual report on Monday, ranking "
    "countries on their efforts.\n",
    "2024 Trafficking in Persons Report: Key Findings\n\nThe report covers 188 countries and territories.\n",
    "Understanding the report (Tier 2)\n\nAnalysts explain the tiers.\n",
    "The report said the government does not fully meet the minimum standards in Ruritania.\n",
    "Although the government meets the minimum standards, judges issued lenient sentences.\n",
])
def test_news_is_not_a_chapter(gaz, text):
    assert detect_chapter(gaz, *_blocks(text)) is None


def test_precision_and_recall_on_the_13_chapters(capsys):
    """Prints the per-field table (`python -m evals.chapter_facts`); on the development chapters nothing may be
    wrong or missed."""
    from evals.chapter_facts import main

    result = main()
    print(capsys.readouterr().out)
    assert all(fp == 0 and fn == 0 for tp, fp, fn in result.values()), result
    assert result["tier"][0] == 13
