"""Multi-part questions split into parts, each with its own answer type.

"Which country opened X, in which city, and what was its tier?" has three parts: a country, a place
and a tier. Parts are found by form (a comma or "and" before a new wh-word, or a second question
mark), never by topic. A tier part is answered from the graph for the country the other parts find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.answer_types import AnswerType, expected_type

_WH = (r"(?:(?:in|for|by|to|from|at|on|with|of|since)\s+(?:what|which|how|when|whom|whose)|what|which|who|whom|whose|"
       r"where|when|why|how|is it|was it|its|their)")
_SPLIT = re.compile(rf"\s*(?:,\s*(?:and\s+)?|\s+and\s+|;\s*|\?\s+(?:and\s+)?)(?={_WH}\b)", re.IGNORECASE)
_ASKS = re.compile(r"\b(?:what|which|who|whom|whose|where|when|why|how)\b|^\W*(?:did|does|do|is|are|was|were|has|"
                   r"have|had|can|could|will|would|list|name|give|tell)\b", re.IGNORECASE)
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
    # a leading clause that sets the scene ("Even while staying on the lowest tier, what ...") asks nothing
    dropped = False
    while len(pieces) > 1 and not _ASKS.search(pieces[0]):
        pieces, dropped = pieces[1:], True
    if len(pieces) < 2 and dropped:
        pieces = [question[question.rfind(pieces[0]):].strip()] if pieces else [question.strip()]
    elif len(pieces) < 2 or any(len(p.split()) < 2 for p in pieces):
        pieces = [question.strip()]
    parts = []
    for p in pieces:
        t = expected_type(p)
        about_tier = bool(_TIER_PART.search(p)) and t in (AnswerType.TIER, AnswerType.DESCRIPTION, AnswerType.PLACE)
        parts.append(Part(p, AnswerType.TIER if about_tier else t, about_tier, bool(_COUNTRY_PART.search(p))))
    return parts


@dataclass(frozen=True)
class Clue:
    """A country the question describes instead of naming ("the country whose labour ministry hired 20
    inspectors", "One of the Watch List countries did X. Which one, ..."): found first, then named in
    `rest`, the question that remains, which is answered about it ('' when naming it is all that's asked)."""

    text: str
    rest: str


_DESCRIBED = re.compile(r"\b(?:the|a) (?:country|nation|government)\s+(?:whose|that|which|where|in which|with)\b"
                        r"(?:(?!\s[-–—]\s)[^,;:?–—])*", re.IGNORECASE)
# "..., which country is it and ...": the part that asks for the described country itself
_IDENTITY = re.compile(r"\b(?:which|what) (?:country|nation|government|one) (?:is it|is this|was it|is that)\b"
                       r"[\s,]*(?:and\s+)?", re.IGNORECASE)
_WHICH_ONE = re.compile(r"^\s*(?:which one|which country|what country|which government|which nation|name it|"
                        r"which is it|what is it)\b[\s,]*(?:and\s+)?", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(it|its|it's|they|their|this country|that country)\b", re.IGNORECASE)


def _name_in(rest: str, name: str) -> str:
    """`rest` about `name`: its first pronoun for the country becomes the name."""
    def swap(m: re.Match) -> str:
        w = m.group(1).lower()
        return f"{name}'s" if w in ("its", "their") else f"{name} is" if w == "it's" else name
    return _PRONOUN.sub(swap, rest, count=1)


def self_contained(part: str, name: str) -> str:
    """A part of a question that refers back to the question's country ("how many victims did it
    identify") with the country named instead, so it can be asked on its own."""
    return _name_in(part, name) if name and _PRONOUN.search(part) else part


_LAST_YEAR = re.compile(r"\b(?:2023|last year|the year before|previous(?:ly)?|before that|prior)\b", re.IGNORECASE)


def part_year(part: str) -> int:
    """The report year a tier part asks about: 2023 when it says so ("what tier was it on in 2023")."""
    return 2023 if _LAST_YEAR.search(part) and "2024" not in part else 2024


def find_clue(question: str) -> Clue | None:
    sentences = [s.strip() for s in re.findall(r"[^.!?]+[.!?]?", question) if s.strip()]
    if len(sentences) >= 2 and not sentences[0].endswith("?") and _WHICH_ONE.match(sentences[1]) and re.search(
            r"\b(?:countr(?:y|ies)|nations?|governments?)\b", sentences[0], re.IGNORECASE):
        rest = _WHICH_ONE.sub("", " ".join(sentences[1:]), count=1).strip(" ,?")
        return Clue(sentences[0].rstrip("."), rest)
    m = _DESCRIBED.search(question)
    if not m or len(m.group(0).split()) < 5:
        return None
    before, after = question[:m.start()], question[m.end():]
    if re.search(r"\b(?:which|what)\s*$", before, re.IGNORECASE):
        return None  # "which country that ... ": an ordinary question whose answer is the country
    if not before.strip() and re.match(r"\s*[-–—:;]", after):
        # "The government that approved X - which country is it and what tier did it get?"
        rest = _IDENTITY.sub("", after.strip(" -–—:;"), count=1).strip(" ,?")
        return Clue(m.group(0).strip(), rest)
    rest = (before + "{}" + after).strip()
    return Clue(m.group(0).strip(), rest)


def ask_about(clue: Clue, name: str) -> str:
    """The remaining question with the found country in place of its description."""
    if "{}" in clue.rest:
        return clue.rest.replace("{}", name, 1)
    return _name_in(clue.rest, name) + "?" if clue.rest else ""


_COMPARE = re.compile(r"\b(?:compare[sd]?|comparison|compared (?:with|to)|versus|vs\.?|differ(?:s|ed|ence)?|"
                      r"both|each of)\b", re.IGNORECASE)


def is_comparison(question: str, n_countries: int) -> bool:
    """A question about two or more named countries side by side: each is answered on its own."""
    return n_countries >= 2 and bool(_COMPARE.search(question))
