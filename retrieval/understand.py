"""Question understanding: which entities a question names, and what shape of answer it wants.

Entities are linked against the graph's own names, aliases and demonyms (so "Myanmar" finds
Burma and "Serbian" finds Serbia), case-insensitively, with a fuzzy fallback for misspelt
multi-word names. The shape decides which graph template (if any) answers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from rapidfuzz import fuzz, process

from text.names import fold

STOPWORDS = set("""
a an the of in on at to for from by with about as and or but if is are was were be been being do does did
has have had what which who whom whose when where why how many much that this these those it its their his
her they them he she i me my we our you your there here than then so not no any all each every some more most
tell say said says give list name named according report reports reported tip trafficking persons person
2024 human please can could would should will shall may might one ones also into over under between did
""".split())
GENERIC = {"country", "countries", "heroes", "hero", "tier", "tiers", "report", "document", "sources", "source"}


class Shape(str, Enum):
    """What a question asks of the graph; FACT goes to the text reader."""

    SOURCE_OUTLET = "source_outlet"
    TIER_LOOKUP = "tier_lookup"
    TIER_CHANGE = "tier_change"
    TIER_LIST = "tier_list"
    TIER_COUNT = "tier_count"
    TIER_CHANGES_ALL = "tier_changes_all"
    TIER_PEERS = "tier_peers"  # "which other country has that tier": the others on a named (or named country's) tier
    HERO_LIST = "hero_list"
    HEROES_BY_COUNTRY = "heroes_by_country"
    HEROES_IN_TIER = "heroes_in_tier"
    TIER_OF_HERO_COUNTRY = "tier_of_hero_country"
    HERO_FACT = "hero_fact"
    FACT = "fact"


@dataclass
class LinkedEntity:
    label: str
    key: str
    name: str
    surface: str
    start: int
    aliases: tuple[str, ...] = ()


@dataclass
class Understanding:
    question: str
    shape: Shape
    entities: list[LinkedEntity] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    proper_terms: list[str] = field(default_factory=list)  # capitalised words the graph does not know

    def of(self, label: str) -> list[LinkedEntity]:
        return [e for e in self.entities if e.label == label]

    def linked_words(self) -> set[str]:
        """The question's words that belong to a linked entity's mention, lower-cased."""
        return {w.lower() for e in self.entities for w in re.findall(r"\w+", e.surface)}


def initials(names: list[str]) -> list[str]:
    """"Dominican Republic" -> "DR", "United Arab Emirates" -> "UAE": what people write for a country
    of several capitalised words (the linker accepts them only in capitals)."""
    out = []
    for n in names:
        words = [w for w in re.split(r"[\s,]+", n) if w]
        caps = [w for w in words if w[0].isupper()]
        if 2 <= len(caps) <= 5 and len(caps) >= len(words) - 2:
            out.append("".join(w[0] for w in caps))
    return out


class EntityLinker:
    def __init__(self, index_rows: list[dict]):
        self.forms: dict[str, tuple[str, str, str]] = {}
        self.aliases: dict[tuple[str, str], tuple[str, ...]] = {}
        self.capitals: set[str] = set()  # forms that only count written in capitals ("US", "DR")
        for row in index_rows:
            self.aliases[(row["label"], row["key"])] = tuple(a for a in [row["name"], *(row.get("aliases") or [])] if a)
            label, key, name = row["label"], row["key"], row["name"]
            forms = [name, *(row.get("aliases") or [])]
            if label == "Country":
                forms += initials(forms)
            for form in forms:
                if not form:
                    continue
                f = fold(form)
                if form.isupper() and len(form) <= 4:
                    self.capitals.add(f)
                # A hero's bare surname is an alias but must not beat a country or actor of that name.
                if f in self.forms and self.forms[f][0] != "Hero":
                    continue
                if len(f) < 3 and not form.isupper():
                    continue
                self.forms[f] = (label, key, name)
        ordered = sorted(self.forms, key=len, reverse=True)
        self._rx = re.compile(r"(?<![\w#])(" + "|".join(re.escape(f) for f in ordered) + r")(?:'s|’s|s)?(?![\w-])",
                              re.IGNORECASE) if ordered else None
        self._multiword = [f for f in self.forms if " " in f and len(f) > 8]
        self._single = [f for f, (label, _, _) in self.forms.items() if " " not in f and len(f) >= 6
                        and label in ("Country", "Hero", "Actor")]

    def link(self, question: str) -> list[LinkedEntity]:
        out: list[LinkedEntity] = []
        if self._rx is None:
            return out
        taken: list[tuple[int, int]] = []
        folded = fold(question)
        for m in self._rx.finditer(folded):
            surface = question[m.start(1):m.end(1)]
            # Short all-caps aliases ("US", "UN", "DR") only count when written in capitals.
            if m.group(1) in self.capitals and surface != surface.upper():
                continue
            label, key, name = self.forms[m.group(1)]
            out.append(LinkedEntity(label, key, name, surface, m.start(1), self.aliases.get((label, key), ())))
            taken.append((m.start(), m.end()))
        # Fuzzy fallback for misspelt multi-word names ("Marijana Savic", "Free Society Projct").
        words = re.findall(r"[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)+", question)
        for w in words:
            pos = question.find(w)
            if any(a <= pos < b for a, b in taken):
                continue
            best = process.extractOne(fold(w), self._multiword, scorer=fuzz.ratio, score_cutoff=85)
            if best:
                label, key, name = self.forms[best[0]]
                out.append(LinkedEntity(label, key, name, w, pos, self.aliases.get((label, key), ())))
        # ... and misspelt single names ("Indonessia"): long words only, close to one known form.
        for m in re.finditer(r"[A-Za-z][a-z’'-]{5,}", question):
            if any(a <= m.start() < b for a, b in taken) or fold(m.group(0)) in self.forms:
                continue
            best = process.extractOne(fold(m.group(0)), self._single, scorer=fuzz.ratio, score_cutoff=88)
            if best:
                label, key, name = self.forms[best[0]]
                out.append(LinkedEntity(label, key, name, m.group(0), m.start(), self.aliases.get((label, key), ())))
                taken.append((m.start(), m.end()))
        seen, unique = set(), []
        for e in sorted(out, key=lambda e: e.start):
            if (e.label, e.key) not in seen:
                seen.add((e.label, e.key))
                unique.append(e)
        return unique


_LIST = re.compile(r"\b(which|list|name|what are|who are|all( the)?|every|enumerate)\b", re.IGNORECASE)
_COUNT = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b", re.IGNORECASE)
_CHANGE = re.compile(r"\b(upgrad\w*|downgrad\w*|mov(?:e|ed|es)|chang\w*|promot\w*|demot\w*|drop\w*|rais\w*|"
                     r"improv\w*|worsen\w*|fell|rose|slipp?\w*|climb\w*|relegat\w*|previous(?:ly)?|last year|2023|"
                     r"compared|from tier|(?:go|goes|gone|went|going) (?:up|down)|up or down)\b", re.IGNORECASE)
_TIER_WORD = re.compile(r"\b(tiers?|rankings?|ranked|rated|ratings?|placements?|placed|watch ?list|special case|"
                        r"graded?)\b", re.IGNORECASE)
# Words that ask for a placement only when said of a country: "where does Algeria sit", "Laos's standing"
# (but "where does that case stand", "the status of the draft law in Algeria" are not about tiers).
_PLACEMENT_WORD = re.compile(r"\b(ranks?|status|standing|stands?|sits?)\b", re.IGNORECASE)
# A comma or a dash before a wh-word ends the clause that sets the scene ("X got credit for Y - what did it ...").
_CLAUSE_WH = re.compile(r"(?:,|\s+[-–—]+)\s*(?=(?:what|which|who|whom|whose|where|when|why|how|in which|in what)\b)",
                        re.IGNORECASE)
_STARTS_ASKING = re.compile(r"\W*(?:what|which|who|whom|whose|where|when|why|how|did|does|do|is|are|was|were|has|have|"
                            r"had|can|could|will|would|list|name)\b", re.IGNORECASE)


def main_clause(question: str) -> tuple[int, int]:
    """The span of what is asked, without the context around it: the first sentence that ends in a
    question mark ("X did Y. Where does that case stand now?"), from its wh-word when a leading clause
    sets the scene ("Even while staying on the lowest tier, what kind of center ...")."""
    start, end = 0, len(question)
    for m in re.finditer(r"[^.!?]*[.!?]|[^.!?]+$", question):
        if m.group(0).rstrip().endswith("?"):
            start, end = m.start(), m.end()
            break
    clause = question[start:end]
    if not _STARTS_ASKING.match(clause):
        m = _CLAUSE_WH.search(clause)
        if m:
            start += m.end()
    while start < end and question[start].isspace():
        start += 1
    return start, end


# What a country's placement is called: "Algeria's standing" is about its tier, "Colombia's only labor
# trafficking case" is not (the status asked for is the case's).
_PLACEMENT_NOUN = re.compile(r"\s*(?:\d{4}\s+)?(?:tiers?|rank\w*|status|standing|placement|position|rating|grade)\b",
                             re.IGNORECASE)


def _possessive_of_other(question: str, e: LinkedEntity) -> bool:
    """The country is named as the owner of something else ("Colombia's only case"): what the question says
    of it, it says of that thing."""
    end = e.start + len(e.surface)
    if e.surface.endswith(("'s", "’s")):
        rest = question[end:]
    elif question[end:end + 2] in ("'s", "’s"):
        rest = question[end + 2:]
    else:
        return False
    return not _PLACEMENT_NOUN.match(rest)


def _said_of_country(question: str, entities: list[LinkedEntity], span: tuple[int, int]) -> bool:
    countries = [e for e in entities if e.label == "Country" and span[0] <= e.start < span[1]
                 and not _possessive_of_other(question, e)]
    for m in _PLACEMENT_WORD.finditer(question, span[0], span[1]):
        for e in countries:
            a, b = sorted((m.start(), e.start))
            if len(question[a:b].split()) <= 4:
                return True
    return False
# "over 20 years", "since 2001", "in total": a question about more than the 2024 list.
_BEYOND_2024 = re.compile(r"\b(over the (past|last)|over \d+ years|since|in total|ever|all[- ]time|history|historically|"
                          r"past \d+ years|so far)\b", re.IGNORECASE)
# "Which outlet/news agency/newspaper ... reported X": the answer is the document's publisher.
_SOURCE_WORD = re.compile(r"\b(?:which|what)\s+(?:news\s+|media\s+)?(?:outlets?|news\s*agenc(?:y|ies)|"
                          r"publications?|newspapers?|papers?|websites?|sites?|wire services?|broadcasters?)\b",
                          re.IGNORECASE)
# a bare "which agency" is a publisher only when the question is about publishing ("which agency carried
# the remarks"); "which agency in Nigeria fights trafficking" asks for an organisation
_AGENCY_PUBLISHED = re.compile(r"\b(?:which|what)\s+agenc(?:y|ies)\b.*\b(?:carr(?:y|ied|ies)|report(?:s|ed)?|"
                               r"publish(?:es|ed)?|ran|run|covered|wrote|quoted|distributed)\b", re.IGNORECASE)
_HERO_WORD = re.compile(r"\bheroe?s?\b|\bhonou?ree?s?\b", re.IGNORECASE)
# "which other (chapter) country ... the same designation / shares X's tier": the answer is the others there
_OTHER_COUNTRY = re.compile(r"\b(?:which|what)\s+other\s+(?:\w+\s+)?(?:countr(?:y|ies)|nations?|governments?)\b",
                            re.IGNORECASE)
_SAME_PLACE = re.compile(r"\bsame\s+(?:\w+\s+)?(?:tier|designation|placement|category|ranking|rank|status|level|"
                         r"classification|rating)\b|\bshares?\b", re.IGNORECASE)


def classify(question: str, entities: list[LinkedEntity]) -> Shape:
    return Shape(_classify(question, entities))


def _classify(question: str, entities: list[LinkedEntity]) -> str:
    labels = {e.label for e in entities}
    if _SOURCE_WORD.search(question) or _AGENCY_PUBLISHED.search(question):
        return "source_outlet"
    # Tier words count where the question asks, not in the context it gives ("Even while on Tier 3, what ...").
    a, b = span = main_clause(question)
    asked = question[a:b]
    asked_labels = {e.label for e in entities if a <= e.start < b}
    # "upgrades"/"downgrades" as nouns ("tech upgrades") are no tier move
    moved = re.search(r"\b(upgrad|downgrad)(?!es\b)\w*", asked, re.IGNORECASE)
    tierish = bool(_TIER_WORD.search(asked)) or "Tier" in asked_labels or (bool(moved) and "Country" in labels) \
        or _said_of_country(question, entities, span)
    heroish = bool(_HERO_WORD.search(question))
    tiers = {e.key for e in entities if e.label == "Tier"}
    countries = {e.key for e in entities if e.label == "Country"}
    if (countries or tiers) and _OTHER_COUNTRY.search(asked) and (_SAME_PLACE.search(asked) or _TIER_WORD.search(asked)):
        return "tier_peers"
    # "every country that went from Tier 3 in 2023 up to the Watch List": two tiers and a move, no one country
    # ("list" said as a request, not inside "Watch List")
    lists = bool(_LIST.search(re.sub(r"watch\s*list", " ", asked, flags=re.IGNORECASE)))
    if len(tiers) >= 2 and _CHANGE.search(question) and (not countries or lists):
        return "tier_changes_all"
    # "Of A, B, C, D ..., which ones are on the Watch List?": the named countries filtered by the tier
    if len(countries) >= 3 and tiers and lists:
        return "tier_list"
    if moved and "Country" not in labels and (_LIST.search(question) or re.search(r"\bcountr", question, re.IGNORECASE)):
        return "tier_changes_all"
    if heroish and "Tier" in labels:
        return "heroes_in_tier"
    if tierish and ("Hero" in labels or ("Actor" in labels and "Country" not in labels)):
        return "tier_of_hero_country"
    if tierish and "Country" in labels:
        return "tier_change" if _CHANGE.search(question) else "tier_lookup"
    if tierish and "Tier" in labels:
        return "tier_count" if _COUNT.search(question) else "tier_list"
    if tierish and _CHANGE.search(question) and _LIST.search(question):
        return "tier_changes_all"
    if heroish and "Hero" not in labels:
        if "Country" in labels:
            return "heroes_by_country"
        if (_COUNT.search(question) or _LIST.search(question)) and not _BEYOND_2024.search(question):
            return "hero_list"
    if "Hero" in labels:
        return "hero_fact"
    return "fact"


def understand(question: str, linker: EntityLinker) -> Understanding:
    entities = linker.link(question)
    shape = classify(question, entities)
    years = [int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", question)]
    covered = set()
    for e in entities:
        covered.update(w.lower() for w in re.findall(r"\w+", e.surface))
    words = [re.sub(r"['’]s$", "", w) for w in re.findall(r"[A-Za-z][\w’'-]*|\d[\d,.]*", question)]
    keywords = [w for w in words if w.lower() not in STOPWORDS and len(w) > 2]
    proper = []
    for i, w in enumerate(words):
        if (w[0].isupper() and i > 0 and w.lower() not in STOPWORDS and w.lower() not in covered
                and w.lower() not in GENERIC and not w.isupper()):
            proper.append(w)
    return Understanding(question, shape, entities, years, keywords, proper)
