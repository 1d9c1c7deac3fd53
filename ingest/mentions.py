"""Which entities each passage mentions: gazetteer matches, tier names, and NER-found organisations."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rich.progress import Progress

from ingest.entities import Gazetteer, Match, org_kind
from ingest.facts import TIER_MENTION
from ingest.models import Passage
from ingest.summary import IngestSummary
from text.names import slug


@dataclass
class Mentions:
    by_passage: dict[str, list[Match]] = field(default_factory=lambda: defaultdict(list))
    ner_actors: dict[str, dict] = field(default_factory=dict)  # organisations the gazetteer lacks, by key
    # Every NER span of the passages NER read (hero profiles need the PERSON ones).
    ents: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)


def load_ner():
    from text.spacy_model import load_english

    # Only the NER is needed (it has its own token embeddings); the rest would cost ~1.5x the time.
    return load_english(exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"])


def extract_mentions(passages: list[Passage], gaz: Gazetteer, nlp, progress: Progress, hero_docs: set[str],
                     summary: IngestSummary) -> Mentions:
    """Every entity each passage names: the gazetteer's matches and tier names, and organisations only
    spaCy's NER finds (kept when their name says what kind of body they are)."""
    mentions: dict[str, list[Match]] = defaultdict(list)
    ner_actors: dict[str, dict] = {}
    ents: dict[str, list[tuple[int, int, str]]] = {}
    known_people = {a for e in gaz.actors for a in e.aliases}
    found_in: dict[str, list[Match]] = {}
    for p in passages:
        found = gaz.match(p.text)
        for m in TIER_MENTION.finditer(p.text):
            found.append(Match("Tier", re.sub(r"\s+", " ", m.group(0)), m.group(0), m.start(), m.end()))
        found_in[p.passage_id] = found
    # Hero profiles need every PERSON span; elsewhere NER runs only where an organisation the
    # gazetteer missed could be named.
    need_ner = [p for p in passages
                if p.doc_id in hero_docs or gaz.may_name_other_orgs(p.text, found_in[p.passage_id])]
    summary.ner_passages = len(need_ner)
    task = progress.add_task("extract entities", total=len(need_ner))
    for p, doc in zip(need_ner, nlp.pipe([p.text for p in need_ner], batch_size=32)):
        ents[p.passage_id] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        found = found_in[p.passage_id]
        covered = [(m.start, m.end) for m in found]
        for ent in doc.ents:
            if ent.label_ != "ORG" or any(ent.start_char < b and a < ent.end_char for a, b in covered):
                continue
            name = re.sub(r"^the\s+|['’]s$", "", ent.text.strip())
            if (len(name.split()) < 2 or re.search(r"\b(Report|Tier|Heroes?)\b|\d", name)
                    or name in known_people):
                continue
            resolved = gaz.resolve_org(name)
            if resolved:
                found.append(Match("Actor", resolved.key, ent.text, ent.start_char, ent.end_char))
                continue
            kind = org_kind(name)
            if kind is None:
                continue
            key = slug(name)
            ner_actors.setdefault(key, {"key": key, "name": name, "aliases": [name], "kind": kind,
                                        "role": None, "source": "ner"})
            found.append(Match("Actor", key, ent.text, ent.start_char, ent.end_char))
        progress.advance(task)
    for p in passages:
        mentions[p.passage_id].extend(found_in[p.passage_id])
    return Mentions(mentions, ner_actors, ents)
