"""Every refusal goes through `abstain`, which records why: the eval, the UI and the logs read the
reason, and a new kind of refusal has to be named here to exist."""

from __future__ import annotations

from enum import Enum

from retrieval.models import Answer


class Reason(str, Enum):
    INVALID_QUESTION = "invalid question"
    UNKNOWN_NAME = "names something no source mentions"
    UNKNOWN_TERMS = "what the question asks about appears in no source"
    WEAK_EVIDENCE = "no passage is close enough to the question"
    NO_FILLER = "the passages about this don't give the detail asked for"
    OFF_TOPIC = "the evidence is about something else"
    MISSING_YEAR = "the evidence does not cover the year asked about"
    FALSE_PREMISE = "the question's premise contradicts the sources"
    NOT_IN_TABLE = "the tier table does not cover it"
    INCOMPLETE_COUNT = "the sources don't give a complete count"
    NO_MATCH = "no record in the graph matches"
    UNVERIFIED = "no citation could be verified"
    PART_MISSING = "a part of the question is not answered by the sources"
    MODEL_ABSTAINED = "LLM mode: the model found no answer in the evidence"
    ERROR = "the system failed"


SOURCES_DONT_SAY = "The sources don't say"


def abstain(question: str, reason: Reason, message: str, **fields) -> Answer:
    """An abstention: `message` tells the user what the sources do and don't give."""
    return Answer(question=question, answer=message, abstained=True, abstain_reason=reason.value, **fields)
