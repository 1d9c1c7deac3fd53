"""Premise checks in general form: does the evidence the reader found deny what the question takes
for granted ("which law did X pass" when the law is pending; "why was X downgraded" when it stayed on
its tier), or answer a yes/no question with no? Pure text tests, so they run without any store."""

from __future__ import annotations

import re

# A question presupposes an act ("which law did X pass", "why did X cut funding"): if the best
# evidence for it negates or qualifies that act, the premise is false.
_ACT = re.compile(r"\b(pass|enact|adopt|approv|ratif|sign|open|launch|establish|creat|build|built|fund|"
                  r"convict|prosecut|arrest|close|ban|increas|decreas|reduc|upgrad|downgrad|provid|allocat|"
                  r"amend|criminaliz|criminalis|investigat|identif|repatriat|train)\w*", re.IGNORECASE)
_NEGATED = r"(?:did not|does not|do not|has not|have not|had not|was not|were not|not|no|never|failed to|yet to|without)"
_UNFINISHED = re.compile(r"\b(draft|pending|proposed|not yet|still under|under review|awaiting)\b", re.IGNORECASE)
_MORE = re.compile(r"\b(?:more|increas\w*|higher|greater|rais\w*|expand\w*|grew|gr[eo]w\w*)\b", re.IGNORECASE)
_FEWER = re.compile(r"\b(?:fewer|less|decreas\w*|lower|reduc\w*|declin\w*|dropp?\w*|fell|cut)\b", re.IGNORECASE)


def evidence_says_no(question: str, quote: str) -> bool:
    """A yes/no question's evidence says no: it negates, or it states the opposite comparison ("did they
    prosecute more cases" / "prosecuted fewer cases")."""
    if re.search(rf"\b{_NEGATED}\b", quote, re.IGNORECASE):
        return True
    asks_more, asks_fewer = bool(_MORE.search(question)), bool(_FEWER.search(question))
    says_more, says_fewer = bool(_MORE.search(quote)), bool(_FEWER.search(quote))
    return (asks_more and says_fewer and not says_more) or (asks_fewer and says_more and not says_fewer)


def contradicts(question: str, quote: str) -> bool:
    """The question presupposes an act that the quote negates or calls unfinished."""
    if re.match(r"\s*(did|does|do|is|are|was|were|has|have)\b", question, re.IGNORECASE):
        return False  # a yes/no question asserts nothing
    if re.search(rf"\b{_NEGATED}\b", question, re.IGNORECASE):
        return False  # it already asks about what was not done
    asked_move = re.search(r"\b(upgrad|downgrad)", question, re.IGNORECASE)
    stated_move = re.search(r"\b(?:was|were|been) (upgrad|downgrad)|\b(remain|stay|stayed)(?:ed|s)? on\b", quote,
                            re.IGNORECASE)
    if asked_move and stated_move:
        return (stated_move.group(1) or stated_move.group(2)).lower()[:5] != asked_move.group(1).lower()[:5]
    # only acts the question asserts as done ("which law did X pass", "X opened ..."), not nouns
    acts = {m.group(1).lower()[:5] for m in _ACT.finditer(question)
            if m.group(0).lower().endswith("ed") or re.search(
                r"\b(did|does|do|has|have|had)\b(?:\s+\S+){0,3}\s*$", question[:m.start()], re.IGNORECASE)}
    if not acts:
        return False
    negated: dict[str, list[bool]] = {}
    for m in _ACT.finditer(quote):
        act = m.group(1).lower()[:5]
        if act in acts:
            before = quote[max(0, m.start() - 40):m.start()]
            negated.setdefault(act, []).append(
                bool(re.search(rf"\b{_NEGATED}\b(?:\s+\w+){{0,3}}\s*$", before, re.IGNORECASE)))
    # negated wherever the quote names it: "did not convict ..., and the only case to ever reach
    # conviction" both denies and affirms a conviction, which contradicts nothing
    if any(all(flags) for flags in negated.values()):
        return True
    if re.search(r"\b(pass|enact|adopt|approv|ratif|sign)", question, re.IGNORECASE) and _UNFINISHED.search(quote):
        return True
    return False
