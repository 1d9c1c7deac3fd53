"""The LLM mode's guard rails (no model needed): unsupported or uncited sentences are dropped."""

from __future__ import annotations

from retrieval.llm import check_llm_text, supported

QUOTES = {1: "Experts estimate the Cuban government collects $6 billion to $8 billion annually from its export "
             "of services, including medical missions.",
          2: "By the end of 2023, there were more than 22,000 government-affiliated Cuban workers in over 53 countries."}


def test_supported_sentence_is_kept():
    text = "The Cuban government collects $6 billion to $8 billion annually from exporting services [1]."
    assert check_llm_text(text, QUOTES) == text


def test_wrong_number_is_dropped():
    assert not supported("The Cuban government collects $9 billion annually [1].", QUOTES[1])
    assert check_llm_text("The Cuban government collects $9 billion annually [1].", QUOTES) == ""


def test_uncited_or_unknown_citation_is_dropped():
    assert check_llm_text("Cuba collects billions from medical missions.", QUOTES) == ""
    assert check_llm_text("Cuba collects $6 billion from medical missions [7].", QUOTES) == ""


def test_only_the_good_sentence_survives():
    text = ("More than 22,000 government-affiliated Cuban workers were in over 53 countries [2]. "
            "They were all doctors trained in Havana [2].")
    assert check_llm_text(text, QUOTES) == ("More than 22,000 government-affiliated Cuban workers were in over "
                                            "53 countries [2].")


def test_marker_after_the_full_stop_belongs_to_the_sentence():
    text = "$6 billion to $8 billion annually from its export of services, including medical missions. [1]"
    assert check_llm_text(text, QUOTES) == text
