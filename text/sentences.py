"""Sentences and answer units, as [start, end) spans of a text.

`sentence_spans` is what ingest chunks and dedups by. `answer_units` splits further for reading:
list items joined by " * " or bullets, and clauses of an over-long sentence, so an answer quotes
what answers and not a 1,000-character run of recommendations.
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"(?P<end>[.!?][\"”’)]?)(?P<gap>\s+)(?=[\"“‘(#]?[A-Z0-9])|(?P<nl>\n+)")
_ABBREVIATION = re.compile(r"(?:\b[A-Z]|U\.S|U\.N|Sec|Mr|Mrs|Ms|Dr|Jr|Sr|St|No|Nos|Gen|Gov|Amb|e\.g|i\.e|vs|etc|Inc|Ltd|Co)$")
# " * " between recommendations, bullets at a line start, " • " inline
_LIST_SEP = re.compile(r"\s+[*•]\s+|^\s*[*•\-–]\s+", re.MULTILINE)
# where an over-long sentence may be cut: after a semicolon, or before a clause opener after a comma
_CLAUSE_SEP = re.compile(r";\s+|:\s+(?=[a-z])|,\s+(?=(?:and |but |while |although |including |which |however|despite )?)")
# The pronoun rule, in two strengths: a sentence that opens on a pronoun leans on the one before it for
# its subject; a paragraph with a personal pronoun early on continues the previous one's person.
PRONOUN_START = re.compile(r"\W*(she|he|they|her|his|their|it|its)\b", re.IGNORECASE)
PERSON_PRONOUN_EARLY = re.compile(r"^[^.!?]{0,80}?\b(she|he|her|his|they|their)\b", re.IGNORECASE)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence boundaries as [start, end) spans of `text`."""
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        if m.group("nl"):
            spans.append((start, m.start()))
            start = m.end()
            continue
        if m.group("end")[0] == "." and _ABBREVIATION.search(text[max(0, m.start() - 6):m.start()]):
            continue
        spans.append((start, m.start("gap")))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in " \t\n*•-–":
        a += 1
    while b > a and text[b - 1] in " \t\n":
        b -= 1
    return a, b


def answer_units(text: str) -> list[tuple[int, int]]:
    """Sentences, with list items split apart: each unit is one recommendation, one finding."""
    units = []
    for a, b in sentence_spans(text):
        cut = a
        for m in _LIST_SEP.finditer(text, a, b):
            if m.start() > cut:
                units.append(_strip(text, cut, m.start()))
            cut = m.end()
        units.append(_strip(text, cut, b))
    return [(a, b) for a, b in units if b - a > 0 and text[a:b].strip()]


def clause_spans(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Clauses of the unit [a, b): the pieces between semicolons and clause-opening commas."""
    out, cut = [], a
    for m in _CLAUSE_SEP.finditer(text, a, b):
        out.append(_strip(text, cut, m.start()))
        cut = m.end()
    out.append(_strip(text, cut, b))
    return [(x, y) for x, y in out if y > x]


def leans_on_previous(sentence: str) -> bool:
    return bool(PRONOUN_START.match(sentence))
