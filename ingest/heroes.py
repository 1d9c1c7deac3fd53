"""TIP Report Hero profiles: who, where, with which organisation, in what role, with what figures.

A profile starts at the first sentence naming a person (spaCy PERSON, widened to the full
capitalised name) in a document that talks about the TIP Heroes, and runs until the next such
person. The hero's country is the one the profile names most (names, demonyms and possessives
count; ties go to the first); the organisation is the first known or NER organisation in it.
"""

from __future__ import annotations

import re

from ingest.entities import Gazetteer, org_kind
from ingest.models import HeroProfile, Passage
from text.names import slug

HERO_CONTEXT = re.compile(r"\b(TIP|Trafficking in Persons)\s+(Report\s+)?Heroes?\b|\bhonou?red\s+\d+\s+\w*\s*Heroes\b", re.IGNORECASE)
ROLE = re.compile(
    r"\b(founder and director|co-founder|founder|national director|executive director|director|president|"
    r"magistrate|judge|prosecutor|social worker and educator|social worker|lawyer|attorney|journalist|"
    r"activist|police officer|coordinator|head)\b", re.IGNORECASE)
LEADS = re.compile(r"\b(leads|heads|directs|manages|runs|convenes|chairs|coordinates)\b", re.IGNORECASE)
FIGURE = re.compile(
    r"(?:more than |over |nearly |about |some )?\d[\d,.]*\+?(?:\s(?:percent|million|billion))?"
    r"(?:\s[A-Za-z][\w-]*){1,5}", re.IGNORECASE)
# Actors that appear in hero sections but are never a hero's own organisation.
NOT_OWN_ORG = {"us-department-of-state", "ivlp", "tip-heroes-program", "antony-blinken", "cindy-dyer", "j-tip"}


def _full_name(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a PERSON span over adjacent capitalised words ('Niaré Samaké' -> 'Oumou Elkhairou Niaré Samaké')."""
    while True:
        m = re.search(r"([A-Z][\w’'-]+)\s+$", text[:start])
        if not m or m.group(1) in ("As", "The", "A", "An", "In", "Of"):
            break
        start = m.start(1)
    m = re.match(r"\s+((?:Jr|Sr)\.?|[A-Z][\w’'-]+)", text[end:])
    if m and not text[end:end + 1] == ",":
        end = end + m.end(1)
    return start, end


Ents = list[tuple[int, int, str]]  # (start, end, spaCy label) within a passage


def mentions_heroes(passages: list[Passage]) -> bool:
    """Does this document (its passages, in order) talk about the TIP Heroes, so profiles may follow?"""
    return any(HERO_CONTEXT.search(p.text) for p in passages)


def extract_heroes(passages: list[Passage], ents: dict[str, Ents], gazetteer: Gazetteer) -> list[HeroProfile]:
    """`ents` holds the NER spans already computed for each passage (NER runs once per passage)."""
    if not mentions_heroes(passages):
        return []
    known_people = {a.lower() for e in gazetteer.actors if e.props.get("kind") == "person" for a in e.aliases}
    # Find hero starts: (passage index, sentence start, name).
    starts: list[tuple[int, int, str]] = []
    seen_names: set[str] = set()
    context_seen = False
    for i, p in enumerate(passages):
        for a, b in p.sentences:
            sent = p.text[a:b]
            if HERO_CONTEXT.search(sent) or re.search(r"\bheroes\b", sent, re.IGNORECASE):
                context_seen = True
            if not context_seen:
                continue
            for start, end, label in ents.get(p.passage_id, []):
                if label != "PERSON" or not (a <= start < b):
                    continue
                s, e = _full_name(p.text, start, end)
                name = p.text[s:e].strip()
                if len(name.split()) < 2 or name.lower() in known_people or name in seen_names:
                    continue
                if any(name.split()[-1] in other for other in seen_names):
                    continue  # a later short mention of someone already found
                seen_names.add(name)
                starts.append((i, a, name))
                break
    heroes = []
    for n, (i, a, name) in enumerate(starts):
        nxt = starts[n + 1] if n + 1 < len(starts) else None
        pieces, pids, orgs = [], [], []
        for j in range(i, len(passages)):
            lo = a if j == i else 0
            hi = nxt[1] if nxt and nxt[0] == j else len(passages[j].text)
            if nxt and j > nxt[0]:
                break
            if hi > lo:
                pieces.append(passages[j].text[lo:hi])
                pids.append(passages[j].passage_id)
                orgs += [passages[j].text[s:e] for s, e, label in ents.get(passages[j].passage_id, [])
                         if label == "ORG" and lo <= s < hi]
            if nxt and j == nxt[0]:
                break
            if j > i and not nxt:
                break
        profile = " ".join(pieces).strip()
        heroes.append(_profile(name, profile, pids, orgs, gazetteer))
    return heroes


def _profile(name: str, text: str, pids: list[str], ner_orgs: list[str], gazetteer: Gazetteer) -> HeroProfile:
    matches = gazetteer.match(text)
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for m in matches:
        if m.label == "Country" and m.key != "USA":  # 'U.S. State Department' frames, not locates
            counts[m.key] = counts.get(m.key, 0) + 1
            first.setdefault(m.key, m.start)
    country = max(counts, key=lambda k: (counts[k], -first[k])) if counts else None

    org_key = org_name = None
    actor_hits = [m for m in matches if m.label == "Actor" and m.key not in NOT_OWN_ORG]
    if actor_hits:
        # The most specific known organisation: the longest surface among the earliest hits.
        actor_hits.sort(key=lambda m: (m.start, -(m.end - m.start)))
        org_key = actor_hits[0].key
        org_name = gazetteer.by_key[("Actor", org_key)].name
    else:
        for org_text in ner_orgs:
            if org_kind(org_text):
                org_name = re.sub(r"^the\s+|['’]s$", "", org_text)
                resolved = gazetteer.resolve_org(org_name)
                org_key = resolved.key if resolved else slug(org_name)
                break
    if country is None and org_key:  # e.g. "the Suriname Police Force's unit": the org places them
        org = gazetteer.by_key.get(("Actor", org_key))
        country = org.props.get("based_in") if org else None
    role_m = ROLE.search(text)
    role = role_m.group(1).lower() if role_m else ""
    if not role and re.search(r"\bmanages\b", text):
        role = "manager"
    if "founder" in role:
        relation = "FOUNDED"
    elif "director" in role or role in ("president", "head", "coordinator") or LEADS.search(text):
        relation = "LEADS"
    else:
        relation = "WORKS_AT"
    figures = [f.group(0).strip() for f in FIGURE.finditer(text) if not re.fullmatch(r"(19|20)\d\d\b.*", f.group(0))]
    return HeroProfile(
        key=slug(name), name=name, country_iso3=country, organization_key=org_key, organization=org_name,
        role=role, relation=relation, figures=figures, passage_ids=pids, text=text,
    )
