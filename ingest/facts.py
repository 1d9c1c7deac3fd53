"""Facts and the domain data they rest on: the report itself, tier names, entity-derived facts (a trend
observed in a country, an actor based somewhere) and facts a chapter states in its fixed sentence forms.

Text facts are read only from country chapters (ingest.chapters), where the report speaks for itself about
one country: a news article's "X was upgraded" is a second-hand claim (one outlet put Algeria on Tier 3).
Every rule is a row of a table below: a regex over one sentence with named groups, and what it means.
A fact keeps its passage and the [start, end) span of its sentence in the passage text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.chapters import resolve_country
from ingest.entities import Gazetteer
from ingest.models import Passage, RawDocument
from text.names import surname

REPORT = {
    "key": "tip-2024",
    "name": "2024 Trafficking in Persons Report",
    "edition": 24,
    "year": 2024,
    "released": "2024-06-24",
    "countries_covered": 188,
    "aliases": ["2024 TIP Report", "TIP Report", "Trafficking in Persons Report", "24th edition"],
}
TIER_MENTION = re.compile(r"\bTier\s+(?:2\s+Watch\s+List|[123])\b|\bSpecial\s+Case\b")
TIER_ALIASES = {
    "Tier 1": ["Tier One"],
    "Tier 2": ["Tier Two"],
    "Tier 2 Watch List": ["Watch List", "Watchlist", "Tier 2 Watchlist", "Tier Two Watch List", "Tier 2WL",
                          "Tier 2 WL"],
    "Tier 3": ["Tier Three"],
    "Special Case": ["special case"],
}


def tier_aliases(tier: str) -> list[str]:
    return [tier, *TIER_ALIASES.get(tier, [])]


def canonical_tier(surface: str) -> str | None:
    s = re.sub(r"\s+", " ", surface).strip().casefold()
    for tier in TIER_ALIASES:
        if s in (a.casefold() for a in tier_aliases(tier)) and s != "watch list":
            return tier
    return None


def person_aliases(name: str) -> list[str]:
    parts = [p for p in name.replace(".", "").split() if p not in ("Jr", "Sr")]
    aliases = [name]
    if len(parts) >= 2:
        aliases.append(f"{parts[0]} {parts[-1]}")
        aliases.append(surname(name))
    return list(dict.fromkeys(aliases))


def derived_facts(gaz: Gazetteer, mentions, passages_by_doc, used) -> list[dict]:
    """Facts from entities: an actor's gazetteer links, the trends the report highlights, and a trend
    observed in a country (both named in one sentence)."""
    facts: dict[tuple[str, str, str], dict] = {}

    def add(kind, a, b, pid=None, source=None):
        # passage_ids is an ordered dict until the end: a report-wide fact (a trend the report highlights)
        # gathers a share of all passages, and a list's `in` made that quadratic (a minute at 100k).
        row = facts.setdefault((kind, a, b), {"type": kind, "from": a, "to": b, "passage_ids": {}, "source": source})
        if pid:
            row["passage_ids"][pid] = None

    for a in gaz.actors:
        if a.key in used["Actor"]:
            if a.props.get("based_in"):
                add("BASED_IN", a.key, a.props["based_in"], source="gazetteer")
            if a.props.get("operated_by"):
                add("OPERATED_BY", a.key, a.props["operated_by"], source="gazetteer")
    passages = {p.passage_id: p for ps in passages_by_doc.values() for p in ps}
    for pid, ms in mentions.items():
        p = passages[pid]
        for m in ms:
            if m.label == "Trend":
                add("HIGHLIGHTS", REPORT["key"], m.key, pid)
        # A trend and a country in the same sentence: the trend is observed there.
        for a, b in p.sentences:
            in_sent = [m for m in ms if a <= m.start < b and m.surface]
            for t in (m for m in in_sent if m.label == "Trend"):
                for c in (m for m in in_sent if m.label == "Country" and m.key != "USA"):
                    add("OBSERVED_IN", t.key, c.key, pid)
    return [{**row, "passage_ids": list(row["passage_ids"])} for row in facts.values()]


# ---- facts a chapter states --------------------------------------------------------------------------

_TIER = r"(?:the\s+)?(?P<tier>Tier\s+(?:1|2|3|One|Two|Three)(?:\s+Watch\s*List)?|Special\s+Case)\b"
# Where a placement's subject starts: the sentence, "therefore", a comma ("In the 2023 TIP Report, X was …"),
# or "and" in "… was granted a waiver … and
# remained on Tier 2 Watch List". The subject may not cross a clause break.
_LEAD = r"(?:^|\btherefore,?\s+|\bThus,?\s+|\bas\s+a\s+result,?\s+|,\s+)"
_SUBJ = r"(?P<subj>[^,;:()]{1,60}?)"

# (rule, regex, direction). A subject-less rule ("and remained on …") means the chapter's country.
PLACEMENT_RULES: list[tuple[str, re.Pattern, str | None]] = [
    (name, re.compile(rx, re.IGNORECASE), direction) for name, rx, direction in [
        ("upgraded", _LEAD + _SUBJ + r"\s+(?:was|has\s+been|is)\s+upgraded\s+to\s+" + _TIER, "upgraded"),
        ("downgraded", _LEAD + _SUBJ + r"\s+(?:was|has\s+been|is)\s+downgraded\s+to\s+" + _TIER, "downgraded"),
        ("remained", _LEAD + _SUBJ + r"\s+(?:remained|remains|has\s+remained)\s+(?:on\s+|at\s+|a\s+)?" + _TIER,
         "remained"),
        ("placed", _LEAD + _SUBJ + r"\s+(?:was|is|has\s+been)\s+(?:placed\s+on|ranked\s+(?:on|at))\s+" + _TIER, None),
        ("is-special-case", _LEAD + _SUBJ + r"\s+is\s+a\s+(?P<tier>Special\s+Case)\b", None),
        ("waiver-and-remained", r"\bwaiver\b[^.]*?\band\s+(?:therefore\s+)?(?:remained|remains)\s+on\s+" + _TIER,
         "remained"),
    ]
]
# Words that make a matched sentence hypothetical or negated: no placement is stated.
_NOT_STATED = re.compile(r"\b(?:not|never|would|could|might|may|if|unless|avoid|risk(?:s|ed)?|should)\b",
                         re.IGNORECASE)
ORDINALS = {w: i for i, w in enumerate(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split())}
NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split())}
CONSECUTIVE = re.compile(
    r"\bfor\s+(?:the|a)\s+(?P<nth>[a-z]+|\d+(?:st|nd|rd|th))\s+(?:consecutive\s+year|year\s+in\s+a\s+row)\b",
    re.IGNORECASE)
STATED_YEAR = re.compile(r"\bin\s+the\s+(?P<year>(?:19|20)\d\d)\s+(?:TIP\s+)?Report\b", re.IGNORECASE)

# The standards sentence; its subject opens it. First row that matches wins.
_STD_SUBJ = r"^(?:The\s+Government\s+of\s+)?(?P<subj>(?:the\s+)?[A-Z][^.;,]{1,80}?)\s+(?:\([A-Z]{2,6}\)\s+)?"
STATUS_RULES: list[tuple[str, re.Pattern]] = [
    (standard, re.compile(_STD_SUBJ + rx)) for standard, rx in [
        ("not_significant_efforts", r"does\s+not\s+fully\s+meet\s+the\s+minimum\s+standards\b[^.]*?"
                                    r"\bis\s+not\s+making\s+significant\s+efforts"),
        ("significant_efforts", r"does\s+not\s+fully\s+meet\s+the\s+minimum\s+standards\b[^.]*?"
                                r"\b(?:but|and|yet)\s+is\s+making\s+significant\s+efforts"),
        ("meets", r"(?:fully\s+)?meets\s+the\s+minimum\s+standards\b"),
    ]
]

# National action plans: what the government did with it, and the years it covers where stated.
_PLAN_VERBS = {
    "adopted": "adopted", "approved": "adopted", "enacted": "adopted", "validated": "adopted",
    "finalized": "finalized", "launched": "implementing", "implemented": "implementing",
    "continued to implement": "implementing", "began implementing": "implementing",
    "drafted": "drafted", "designed": "drafted", "developed": "drafted", "began drafting": "drafted",
    "did not adopt": "not adopted", "did not finalize": "not adopted", "did not approve": "not adopted",
    "did not implement": "not implemented",
}
ACTION_PLAN = re.compile(
    r"\b(?P<verb>" + "|".join(sorted((v.replace(" ", r"\s+") for v in _PLAN_VERBS), key=len, reverse=True)) + r")"
    r"(?:\s+and\s+[a-z]+)?\s+(?:a|an|the|its)\s+(?P<desc>(?:[\w’'–-]+\s+){0,6}?)"
    r"(?P<plan>national\s+action\s+plan|NAP|action\s+plan|national\s+(?:anti-trafficking\s+)?"
    r"(?:strategy|program(?:me)?)|program(?:me)?\s+(?:for|on)\s+combat(?:t)?ing\s+(?:and\s+preventing\s+)?"
    r"(?:human\s+)?trafficking)\b"
    r"(?:\s+(?:for|covering)\s+(?P<y3>(?:19|20)\d\d)\s*[–-]\s*(?P<y4>(?:19|20)?\d\d))?")
_PLAN_YEARS = re.compile(r"(?P<y1>(?:19|20)\d\d)\s*[–-]\s*(?P<y2>(?:19|20)?\d\d)")
_PLAN_LENGTH = re.compile(r"\b(?P<n>[a-z]+|\d+)-year\b", re.IGNORECASE)
GENERIC_SUBJECTS = {"government", "country", "the government", "the country", "it"}


@dataclass
class TextFact:
    kind: str  # placement | status | action_plan
    iso3: str
    doc_id: str
    passage_id: str
    start: int  # the stating sentence, as a span of the passage text
    end: int
    rule: str
    props: dict = field(default_factory=dict)


def _subject(gaz: Gazetteer, doc: RawDocument, subj: str | None) -> str | None:
    """The country a sentence's subject names: the chapter's own for "the government", its acronym, or none."""
    if subj is None:
        return doc.subject
    s = re.sub(r"^(?:therefore|thus)\s+", "", subj.strip(), flags=re.IGNORECASE)
    if s.casefold() in GENERIC_SUBJECTS:
        return doc.subject
    bare = re.sub(r"^the\s+", "", s, flags=re.IGNORECASE)
    if bare in doc.local_aliases:
        return doc.subject
    e = resolve_country(gaz, s)
    return e.key if e else None


def _ordinal(word: str) -> int | None:
    w = word.casefold()
    if w in ORDINALS:
        return ORDINALS[w]
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", w)
    return int(m.group(1)) if m else None


def _plan_years(m: re.Match) -> dict:
    out: dict = {"start_year": None, "end_year": None, "duration_years": None}
    y = _PLAN_YEARS.search(m.group("desc") or "")
    y1, y2 = (y.group("y1"), y.group("y2")) if y else (m.group("y3"), m.group("y4"))
    if y1:
        out["start_year"] = int(y1)
        out["end_year"] = int(y2) if len(y2) == 4 else int(y1[:2] + y2)
        out["duration_years"] = out["end_year"] - out["start_year"] + 1
    n = _PLAN_LENGTH.search(m.group("desc") or "")
    if n and out["duration_years"] is None:
        word = n.group("n").casefold()
        out["duration_years"] = int(word) if word.isdigit() else NUMBER_WORDS.get(word)
    return out


def placements_in(sentence: str) -> list[tuple[str, re.Match, str | None]]:
    """Placement rules that match one sentence, unless the sentence is hypothetical or negated there."""
    out = []
    for rule, rx, direction in PLACEMENT_RULES:
        m = rx.search(sentence)
        if m and not _NOT_STATED.search(sentence[m.start("subj") if "subj" in rx.groupindex else m.start():
                                                 m.end()]):
            out.append((rule, m, direction))
    return out


def sentence_facts(gaz: Gazetteer, doc: RawDocument, sentence: str) -> list[tuple[str, str, str, dict]]:
    """(kind, iso3, rule, props) for each fact one sentence of a chapter states about the chapter's country."""
    facts = []
    seen_tiers: set[str] = set()
    for rule, m, direction in placements_in(sentence):
        tier = canonical_tier(m.group("tier"))
        iso3 = _subject(gaz, doc, m.groupdict().get("subj"))
        if not tier or iso3 != doc.subject or tier in seen_tiers:
            continue
        seen_tiers.add(tier)
        nth = CONSECUTIVE.search(sentence, m.end())
        year = STATED_YEAR.search(sentence)
        facts.append(("placement", iso3, rule, {
            "tier": tier, "year": int(year.group("year")) if year else REPORT["year"], "direction": direction,
            "consecutive_years": _ordinal(nth.group("nth")) if nth else None}))
    for standard, rx in STATUS_RULES:
        m = rx.search(sentence)
        if m and _subject(gaz, doc, m.group("subj")) == doc.subject:
            facts.append(("status", doc.subject, standard, {"standard": standard, "year": REPORT["year"]}))
            break
    for m in ACTION_PLAN.finditer(sentence):
        verb = re.sub(r"\s+", " ", m.group("verb")).casefold()
        facts.append(("action_plan", doc.subject, "action-plan", {
            "status": _PLAN_VERBS[verb], "plan": re.sub(r"\s+", " ", m.group("plan")), **_plan_years(m)}))
    return facts


def chapter_facts(gaz: Gazetteer, doc: RawDocument, passages: list[Passage]) -> list[TextFact]:
    """Every fact the chapter `doc` states, each with the passage and sentence span that states it."""
    if not doc.subject:
        return []
    out: list[TextFact] = []
    for p in passages:
        for a, b in p.sentences:
            for kind, iso3, rule, props in sentence_facts(gaz, doc, p.text[a:b]):
                out.append(TextFact(kind, iso3, doc.doc_id, p.passage_id, a, b, rule, props))
    return _one_per_statement(out)


def _one_per_statement(facts: list[TextFact]) -> list[TextFact]:
    """A chapter states its placement once per tier and year and its standard once: the first sentence is
    the fact's provenance, and a later one adds only what the first left out (a consecutive-year count)."""
    kept: dict[tuple, TextFact] = {}
    out = []
    for f in facts:
        if f.kind == "placement":
            key = (f.kind, f.props["tier"], f.props["year"])
        elif f.kind == "status":
            key = (f.kind,)
        else:
            out.append(f)
            continue
        if key in kept:
            first = kept[key]
            for k, v in f.props.items():
                if first.props.get(k) is None and v is not None:
                    first.props[k] = v
            continue
        kept[key] = f
        out.append(f)
    return out
