"""Is a document a country chapter of the TIP Report, and which country is it about?

A country narrative announces itself in one of a few fixed forms, tried in this order:
  - its title:    "2024 Trafficking in Persons Report: Algeria"
  - a heading:    "REPUBLIC OF MOLDOVA (Tier 2)"
  - its opening:  "The Government of the Republic of Korea (ROK) fully meets the minimum standards …"
                  (or "Afghanistan does not fully meet the minimum standards …")
The name in each form goes through the gazetteer's country resolver (aliases, case-blind, "Korea, South",
"Türkiye"), so a chapter is recognised only when its subject is a known country: anything else is news.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.clean import Block
from ingest.entities import Entity, Gazetteer

# The opening forms, each with a `name` group. Table-driven: a new form is one more row.
TITLE_FORMS = [
    re.compile(r"^(?:(?:19|20)\d\d\s+)?Trafficking\s+in\s+Persons\s+Report\s*[:–—-]\s*(?P<name>[^()]+?)\s*$",
               re.IGNORECASE),
]
HEADING_FORMS = [
    re.compile(r"^(?P<name>[^()]{2,60}?)\s*\((?:Tier\s+(?:1|2|3|One|Two|Three)(?:\s+Watch\s*List)?|Special\s+Case)\)\s*$",
               re.IGNORECASE),
]
# The standards sentence opens every narrative's summary; its subject is the chapter's country.
OPENING_FORMS = [
    re.compile(r"^(?:The\s+Government\s+of\s+)?(?P<name>(?:the\s+)?[A-Z][^.;,]{1,80}?)\s+(?:\([A-Z]{2,6}\)\s+)?"
               r"(?:fully\s+meets|meets|does\s+not\s+fully\s+meet)\s+the\s+minimum\s+standards"),
]
# How many leading blocks may hold the opening (Afghanistan's starts after a note on the Taliban).
OPENING_BLOCKS = 4
# "Gambia, The" -> "The Gambia", "St. Lucia" -> "Saint Lucia": the report's list forms.
_INVERTED_ARTICLE = re.compile(r"^(?P<rest>.+?),\s*(?P<art>The)$", re.IGNORECASE)
_ACRONYM = re.compile(r"\((?P<acr>[A-Z]{2,6})\)")


@dataclass
class Chapter:
    iso3: str
    name: str  # the Country node's display name
    found_by: str  # title | heading | opening
    # Short names the chapter itself defines ("the Republic of Korea (ROK)"), to resolve later sentences.
    local_aliases: list[str] = field(default_factory=list)


def resolve_country(gaz: Gazetteer, raw: str) -> Entity | None:
    name = re.sub(r"\s+", " ", _ACRONYM.sub("", raw)).strip(" .:–—-").replace("’", "'")
    name = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
    m = _INVERTED_ARTICLE.match(name)
    candidates = [name, f"{m.group('art')} {m.group('rest')}" if m else None, m.group("rest") if m else None,
                  re.sub(r"^St\.?\s+", "Saint ", name)]
    for c in dict.fromkeys(c for c in candidates if c):
        if len(c) < 3 and not c.isupper():
            continue
        e = _exact_country(gaz, c)
        if e:
            return e
    return None


def _exact_country(gaz: Gazetteer, name: str) -> Entity | None:
    """The resolver without its fuzzy fallback: a chapter's subject must be named, not guessed."""
    e = gaz.country_by_name(name)
    if e is None:
        return None
    if name.casefold() in (a.casefold() for a in e.aliases):
        return e
    import pycountry

    try:
        pycountry.countries.lookup(name)
        return e
    except LookupError:
        return None


def detect_chapter(gaz: Gazetteer, title: str, blocks: list[Block]) -> Chapter | None:
    lines = [title] if title else []
    lines += [b.text for b in blocks[:OPENING_BLOCKS] if b.heading]
    for found_by, forms, texts in (("title", TITLE_FORMS, lines), ("heading", HEADING_FORMS, lines)):
        for text in texts:
            for rx in forms:
                m = rx.match(text.strip())
                if m and (e := resolve_country(gaz, m.group("name"))):
                    return Chapter(e.key, e.name, found_by, _local_aliases(blocks))
    for b in blocks[:OPENING_BLOCKS]:
        for rx in OPENING_FORMS:
            m = rx.match(b.text)
            if m and (e := resolve_country(gaz, m.group("name"))):
                return Chapter(e.key, e.name, "opening", _local_aliases(blocks))
    return None


def _local_aliases(blocks: list[Block]) -> list[str]:
    """Acronyms the opening sentence gives its subject: "The Government of the Republic of Korea (ROK)"."""
    for b in blocks[:OPENING_BLOCKS]:
        for rx in OPENING_FORMS:
            m = rx.match(b.text)
            if m:
                acr = _ACRONYM.search(b.text[:m.end()])
                return [acr.group("acr")] if acr else []
    return []
