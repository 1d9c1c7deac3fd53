"""Entity recognition: gazetteers (countries via pycountry + report usage, known actors, trends)
matched exactly, plus spaCy NER for organisations and people the gazetteers do not know.

Resolution is conservative: a surface form links to an entity only through its alias list, or a
near-exact fuzzy match of a full name (rapidfuzz); a shared surname or word alone never merges two
different entities.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pycountry
from rapidfuzz import fuzz, process

GAZETTEER_DIR = Path(__file__).resolve().parent / "gazetteer"
_POSSESSIVE = r"(?:['’]s)?"


@dataclass
class Entity:
    label: str  # Country | Actor | Trend
    key: str
    name: str
    aliases: list[str] = field(default_factory=list)
    props: dict = field(default_factory=dict)


@dataclass
class Match:
    label: str
    key: str
    surface: str
    start: int
    end: int


def _country_entities() -> list[Entity]:
    extra = json.loads((GAZETTEER_DIR / "countries.json").read_text())
    out: dict[str, Entity] = {}
    for c in pycountry.countries:
        info = extra.get(c.alpha_3, {})
        names = [info.get("name"), getattr(c, "common_name", None), c.name, getattr(c, "official_name", None)]
        names += info.get("aliases", [])
        names = [n for n in dict.fromkeys(n for n in names if n)]
        out[c.alpha_3] = Entity("Country", c.alpha_3, names[0], names,
                                {"iso2": c.alpha_2, "demonyms": info.get("demonyms", [])})
    for iso3, info in extra.items():
        if iso3 not in out and not iso3.startswith("_") and info.get("name"):
            names = [info["name"], *info.get("aliases", [])]
            out[iso3] = Entity("Country", iso3, info["name"], names, {"iso2": "", "demonyms": info.get("demonyms", [])})
    return list(out.values())


def _actor_entities() -> list[Entity]:
    data = json.loads((GAZETTEER_DIR / "actors.json").read_text())
    return [
        Entity("Actor", a["key"], a["name"], list(dict.fromkeys([a["name"], *a["aliases"]])),
               {k: v for k, v in a.items() if k not in ("key", "name", "aliases")})
        for a in data["actors"]
    ]


def _trend_entities() -> list[Entity]:
    data = json.loads((GAZETTEER_DIR / "trends.json").read_text())
    return [
        Entity("Trend", t["key"], t["name"], [t["name"], *t["aliases"]], {"patterns": t["patterns"]})
        for t in data["trends"]
    ]


def _trie_regex(forms) -> str:
    """One regex matching any of `forms`, longest first, written as a prefix tree.

    A flat alternation of a thousand names makes the engine try every name at every word start;
    the tree tries only the names that share what has been read so far. Greedy descent with
    backtracking keeps the flat version's longest-match-first result."""
    trie: dict = {}
    for f in forms:
        node = trie
        for ch in f:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return "(?:" + body + ")?" if len(branches) > 1 or len(body) > 1 else body + "?"
        return body

    return emit(trie)


class Gazetteer:
    """All known entities and a fast exact matcher over their surface forms."""

    def __init__(self) -> None:
        self.countries = _country_entities()
        self.actors = _actor_entities()
        self.trends = _trend_entities()
        self.by_key = {(e.label, e.key): e for e in self.countries + self.actors + self.trends}

    @cached_property
    def _surface_index(self) -> tuple[re.Pattern, dict[str, tuple[str, str]]]:
        forms: dict[str, tuple[str, str]] = {}
        for e in self.actors:  # actors first: "Center for Child Protection" beats nothing, but
            for a in e.aliases:  # countries below must not swallow a longer actor name
                forms.setdefault(a, (e.label, e.key))
        for e in self.countries:
            for a in e.aliases:
                if len(a) >= 4 or a.isupper():
                    forms.setdefault(a, (e.label, e.key))
            for d in e.props["demonyms"]:
                forms.setdefault(d, (e.label, e.key))
                forms.setdefault(d + "s", (e.label, e.key))
        pattern = re.compile(rf"(?<![\w#])(?:the\s+)?({_trie_regex(forms)}){_POSSESSIVE}(?![\w-])")
        return pattern, forms

    @cached_property
    def _trend_patterns(self) -> list[tuple[str, re.Pattern]]:
        return [(t.key, re.compile("|".join(t.props["patterns"]), re.IGNORECASE)) for t in self.trends]

    def match(self, text: str) -> list[Match]:
        pattern, forms = self._surface_index
        out = []
        for m in pattern.finditer(text):
            surface = m.group(1)
            label, key = forms[surface]
            if label == "Country" and not _country_context_ok(text, m.start(1), surface):
                continue
            out.append(Match(label, key, surface, m.start(1), m.end(1)))
        for key, rx in self._trend_patterns:
            for m in rx.finditer(text):
                out.append(Match("Trend", key, m.group(0), m.start(), m.end()))
        return out

    @cached_property
    def _org_hint(self) -> re.Pattern:
        # Words without which spaCy's ORG spans are dropped later anyway: a kind word (org_kind) or a
        # word of a known actor's name (resolve_org's near-exact match needs nearly all of them).
        words = {w for e in self.actors for a in e.aliases for w in re.findall(r"\b[A-Z][\w'-]{3,}", a)}
        kinds = "|".join(rx for _, rx in ORG_KIND_WORDS)
        return re.compile(kinds + r"|\b(?:" + "|".join(map(re.escape, sorted(words))) + r")\b")

    def may_name_other_orgs(self, text: str, found: list[Match]) -> bool:
        """Could NER find an organisation in `text` that the gazetteer matches `found` do not cover?

        NER is the costliest step of extraction; this lets it skip passages where every ORG span it
        could return would be discarded."""
        return any(not any(f.start <= m.start() < f.end for f in found) for m in self._org_hint.finditer(text))

    def country(self, iso3: str) -> Entity | None:
        return self.by_key.get(("Country", iso3))

    def country_by_name(self, name: str) -> Entity | None:
        """Resolve a country name as written in a table (report usage, alias or official)."""
        pattern, forms = self._surface_index
        hit = forms.get(name.strip())
        if hit and hit[0] == "Country":
            return self.by_key[hit]
        # Headings write names in capitals ("REPUBLIC OF MOLDOVA (Tier 2)"): an alias matched case-blind
        # is still an alias, and safer than the fuzzy match below.
        folded = self._country_names_folded.get(name.strip().casefold())
        if folded:
            return folded
        try:
            c = pycountry.countries.lookup(name.strip())
            return self.by_key.get(("Country", c.alpha_3))
        except LookupError:
            pass
        names = {a: e for e in self.countries for a in e.aliases}
        best = process.extractOne(name, list(names), scorer=fuzz.WRatio, score_cutoff=92)
        return names[best[0]] if best else None

    @cached_property
    def _country_names_folded(self) -> dict[str, Entity]:
        return {a.casefold(): e for e in self.countries for a in e.aliases}

    def resolve_org(self, surface: str) -> Entity | None:
        """A near-exact match of an organisation's full name to a known actor."""
        clean = re.sub(r"^(the)\s+", "", surface.strip(), flags=re.IGNORECASE)
        clean = re.sub(r"['’]s$", "", clean)
        names = {a: e for e in self.actors for a in e.aliases if len(a) > 4}
        best = process.extractOne(clean, list(names), scorer=fuzz.ratio, score_cutoff=92)
        return names[best[0]] if best else None


def _country_context_ok(text: str, start: int, surface: str) -> bool:
    # "US" and "UN"-like all-caps aliases only count as words, never inside "USA-made" etc.;
    # "America" in "Latin America"/"South America" is not the United States.
    before = text[max(0, start - 7):start]
    if surface in ("America", "Americans", "American") and re.search(r"(Latin|South|North|Central)\s$", before):
        return False
    return True


ORG_KIND_WORDS = [
    ("government agency", r"\b(Ministry|Department|Police|Directorate|Agency|Bureau|Office|Commission|Court|Parliament|Government)\b"),
    ("international organization", r"\b(United Nations|UN|International Organization|World|European)\b"),
    ("program", r"\b(Project|Operation|Program|Programme|Initiative|App|Campaign)\b"),
    ("company", r"\b(Inc|Corp|Corporation|Ltd|LLC|Bank|Company|Group)\b"),
    ("NGO", r"\b(Foundation|Centre|Center|Society|Mission|Association|Network|Coalition|Alliance|Institute|Trust)\b"),
]


def org_kind(name: str) -> str | None:
    for kind, rx in ORG_KIND_WORDS:
        if re.search(rx, name):
            return kind
    return None
