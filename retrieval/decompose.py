"""Multi-part questions split into parts, each with its own answer type.

"Which country opened X, in which city, and what was its tier?" has three parts: a country, a place
and a tier. Parts are found by form (a comma or "and" before a new wh-word, or a second question
mark), never by topic. A tier part is answered from the graph for the country the other parts find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.answer_types import AnswerType, expected_type

_WH = r"(?:what|which|who|whom|whose|where|when|why|how|in which|in what|since when|is it|was it|its|their)"
_SPLIT = re.compile(rf"\s*(?:,\s*(?:and\s+)?|\s+and\s+|;\s*|\?\s+(?:and\s+)?)(?={_WH}\b)", re.IGNORECASE)
_TIER_PART = re.compile(r"\btier\b|\branked\b|\branking\b|\bwatch list\b", re.IGNORECASE)
_COUNTRY_PART = re.compile(r"\b(?:which|what) (?:country|nation|government)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Part:
    text: str
    answer_type: AnswerType
    about_tier: bool  # answered by the graph's tier for the question's country
    asks_country: bool  # "which country ...": the document's subject can fill it


def decompose(question: str) -> list[Part]:
    pieces = [p.strip(" ,;?") for p in _SPLIT.split(question) if p and p.strip(" ,;?")]
    if len(pieces) < 2 or any(len(p.split()) < 2 for p in pieces):
        pieces = [question.strip()]
    parts = []
    for p in pieces:
        t = expected_type(p)
        about_tier = bool(_TIER_PART.search(p)) and t in (AnswerType.TIER, AnswerType.DESCRIPTION, AnswerType.PLACE)
        parts.append(Part(p, AnswerType.TIER if about_tier else t, about_tier, bool(_COUNTRY_PART.search(p))))
    return parts
