"""The graph side of an ingest: one run's documents, passages, entities and facts, written to Neo4j.

Each write has its row shape beside it (`*_row`), so what a Cypher parameter holds is read in one place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rich.progress import Progress

from ingest.dedup import DuplicateLink
from ingest.entities import Entity, Gazetteer, org_kind
from ingest.facts import REPORT, TextFact, derived_facts, person_aliases, tier_aliases
from ingest.failpoints import failpoint
from ingest.mentions import Mentions
from ingest.models import HeroProfile, Passage, RawDocument
from ingest.summary import IngestSummary
from ingest.tiers import COVERAGE_2024, TIERS, TierRow
from kg import writes as W
from kg.driver import Graph
from kg.schema import apply_schema
from kg.settings import Settings

TIERS_TABLE = "tip_2024_tiers.csv"


@dataclass
class RunGraph:
    """Everything one ingest run puts in the graph."""

    docs: list[RawDocument]
    passages_by_doc: dict[str, list[Passage]]
    mentions: Mentions
    heroes: list[HeroProfile]
    duplicates: list[DuplicateLink]
    tier_rows: list[TierRow]
    text_facts: list[TextFact]


def search_aliases(names: list[str]) -> str:
    return " | ".join(dict.fromkeys(names))


def tier_row(rank: int, tier: str) -> dict:
    return {"name": tier, "rank": rank, "aliases": tier_aliases(tier), "coverage": COVERAGE_2024[tier][0],
            "report_total": COVERAGE_2024[tier][1], "search_aliases": search_aliases(tier_aliases(tier))}


def country_row(c: Entity) -> dict:
    return {"iso3": c.key, "name": c.name, "aliases": c.aliases, "demonyms": c.props["demonyms"],
            "iso2": c.props["iso2"], "search_aliases": search_aliases(c.aliases + c.props["demonyms"])}


def gazetteer_actor_row(a: Entity) -> dict:
    return {"key": a.key, "name": a.name, "aliases": a.aliases, "kind": a.props["kind"],
            "role": a.props.get("role"), "source": "gazetteer", "search_aliases": search_aliases(a.aliases)}


def ner_actor_row(key: str, name: str | None) -> dict:
    return {"key": key, "name": name, "aliases": [name], "kind": org_kind(name or "") or "NGO", "role": None,
            "source": "ner"}


def trend_row(t: Entity) -> dict:
    return {"key": t.key, "name": t.name, "aliases": t.aliases, "search_aliases": search_aliases(t.aliases)}


def document_row(doc: RawDocument) -> dict:
    return {"doc_id": doc.doc_id, "file": doc.file, "path": str(doc.path), "prefix": doc.prefix, "title": doc.title,
            "outlet": doc.outlet, "chars": len(doc.text), "kind": doc.kind, "subject": doc.subject or None,
            "subject_name": doc.subject_name or None, "published": doc.published or None,
            "pages": doc.pages or None}


def passage_row(doc: RawDocument, p: Passage) -> dict:
    return {"passage_id": p.passage_id, "doc_id": p.doc_id, "ordinal": p.ordinal, "text": p.text,
            "start": p.start, "end": p.end, "section": p.section, "words": p.words, "file": doc.file,
            "char_runs": p.char_runs, "context": p.context, "pages": p.pages or None,
            "page_starts": p.page_starts if p.pages else None}


def hero_row(h: HeroProfile) -> dict:
    return {"key": h.key, "name": h.name, "aliases": person_aliases(h.name), "role": h.role,
            "organization": h.organization, "figures": h.figures, "profile": h.text, "country": h.country_iso3,
            "passage_ids": h.passage_ids, "search_aliases": search_aliases(person_aliases(h.name))}


def hero_org_row(h: HeroProfile) -> dict:
    return {"hero": h.key, "org": h.organization_key, "rel": h.relation, "role": h.role,
            "passage_ids": h.passage_ids}


def duplicate_row(d: DuplicateLink) -> dict:
    return {"source": d.source, "target": d.target, "shared": d.shared_sentences, "similarity": d.similarity}


def placement_rows(r: TierRow) -> list[dict]:
    """The table's 2024 placement of a country, and its 2023 one where the table gives it."""
    rows = [{"iso3": r.iso3, "tier": r.tier_2024, "year": 2024, "source": r.source_2024, "row": r.row,
             "table": TIERS_TABLE, "country": r.country}]
    if r.tier_2023:
        rows.append({"iso3": r.iso3, "tier": r.tier_2023, "year": 2023, "source": r.source_2023, "row": r.row,
                     "table": TIERS_TABLE, "country": r.country})
    return rows


def mention_rows(mentions: Mentions) -> dict[str, list[dict]]:
    """One MENTIONS row per passage and entity, by label, with the forms the passage names it by."""
    rows: dict[str, list[dict]] = defaultdict(list)
    for pid, ms in mentions.by_passage.items():
        grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
        for m in ms:
            grouped[(m.label, m.key)].append(m.surface)
        for (label, key), surfaces in grouped.items():
            named = [s for s in surfaces if s]  # "" marks a chapter's unnamed mention of its country
            rows[label].append({"pid": pid, "key": key, "surfaces": sorted(set(named)), "count": len(named) or 1})
    return rows


def text_fact_rows(facts: list[TextFact]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = defaultdict(list)
    for f in facts:
        rows[f.kind].append({"iso3": f.iso3, "doc_id": f.doc_id, "passage_id": f.passage_id, "start": f.start,
                             "end": f.end, "rule": f.rule, **f.props})
    return rows


def used_entities(gaz: Gazetteer, run: RunGraph) -> dict[str, set[str]]:
    """The keys, by label, of every entity this run refers to: only those get nodes."""
    used: dict[str, set[str]] = defaultdict(set)
    for ms in run.mentions.by_passage.values():
        for m in ms:
            used[m.label].add(m.key)
    for h in run.heroes:
        if h.country_iso3:
            used["Country"].add(h.country_iso3)
        if h.organization_key:
            used["Actor"].add(h.organization_key)
    for r in run.tier_rows:
        used["Country"].add(r.iso3)
    for doc in run.docs:
        if doc.subject:
            used["Country"].add(doc.subject)
    for a in gaz.actors:
        if a.key in used["Actor"]:
            if a.props.get("based_in"):
                used["Country"].add(a.props["based_in"])
            for rel in ("operated_by", "part_of"):
                if a.props.get(rel):
                    used["Actor"].add(a.props[rel])
    return used


def write_graph(graph: Graph, gaz: Gazetteer, run: RunGraph, progress: Progress) -> None:
    apply_schema(graph)
    graph.write(W.UPSERT_REPORT, **REPORT)
    graph.write(W.UPSERT_TIERS, rows=[tier_row(i + 1, t) for i, t in enumerate(TIERS)])
    used = used_entities(gaz, run)
    _write_entities(graph, gaz, run, used)
    _write_documents(graph, run, progress)
    W.write_rows(graph, W.UPSERT_HEROES, [hero_row(h) for h in run.heroes], report_key=REPORT["key"])
    W.write_rows(graph, W.MERGE_HERO_ORG, [hero_org_row(h) for h in run.heroes if h.organization_key])
    for label, rows in mention_rows(run.mentions).items():
        W.write_rows(graph, W.MERGE_MENTIONS[label], rows)
    W.write_rows(graph, W.CLEAR_DUPLICATES, [p.passage_id for ps in run.passages_by_doc.values() for p in ps])
    W.write_rows(graph, W.MERGE_DUPLICATES, [duplicate_row(d) for d in run.duplicates])
    W.write_rows(graph, W.MERGE_FACTS, fact_rows(graph, gaz, run, used))
    graph.write(W.CLEAR_TIER_PLACEMENTS, table=TIERS_TABLE)
    W.write_rows(graph, W.MERGE_TIER_PLACEMENTS, [row for r in run.tier_rows for row in placement_rows(r)])
    write_text_facts(graph, run.docs, run.text_facts)
    graph.write(W.DELETE_ORPHAN_ENTITIES)


def fact_rows(graph: Graph, gaz: Gazetteer, run: RunGraph, used: dict[str, set[str]]) -> list[dict]:
    """The facts derived from this run's mentions, each citing the passages of the documents this run
    does not touch as well, in the order a full run over every document would list them (file, document,
    passage): so "nothing already in the graph is lost", and an incremental run ends as a full one."""
    facts = derived_facts(gaz, run.mentions.by_passage, run.passages_by_doc, used)
    files = {d.doc_id: d.file for d in run.docs}
    place = {p.passage_id: (files[p.doc_id], p.doc_id, p.ordinal) for ps in run.passages_by_doc.values() for p in ps}
    kept: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    keys = [{"type": f["type"], "from": f["from"], "to": f["to"]} for f in facts]
    for chunk in W.batched(keys):
        for r in graph.read(W.FACT_PROVENANCE, rows=chunk, doc_ids=list(files)):
            kept[(r["type"], r["from"], r["to"])].append(r["pid"])
            place[r["pid"]] = (r["file"], r["doc_id"], r["ordinal"])
    for f in facts:
        pids = dict.fromkeys(kept[(f["type"], f["from"], f["to"])] + f["passage_ids"])
        f["passage_ids"] = sorted(pids, key=place.__getitem__)
    return facts


def _write_entities(graph: Graph, gaz: Gazetteer, run: RunGraph, used: dict[str, set[str]]) -> None:
    countries = [gaz.country(k) for k in sorted(used["Country"]) if gaz.country(k)]
    W.write_rows(graph, W.UPSERT_COUNTRIES, [country_row(c) for c in countries])
    actor_rows = [gazetteer_actor_row(a) for a in gaz.actors if a.key in used["Actor"]]
    known = {r["key"] for r in actor_rows}
    ner_actors = dict(run.mentions.ner_actors)
    for h in run.heroes:  # an organisation found only by NER in a hero profile
        if h.organization_key and h.organization_key not in known:
            ner_actors.setdefault(h.organization_key, ner_actor_row(h.organization_key, h.organization))
    actor_rows += [{**a, "search_aliases": search_aliases(a["aliases"])} for a in ner_actors.values()]
    W.write_rows(graph, W.UPSERT_ACTORS, actor_rows)
    W.write_rows(graph, W.UPSERT_TRENDS, [trend_row(t) for t in gaz.trends if t.key in used["Trend"]])


def _write_documents(graph: Graph, run: RunGraph, progress: Progress) -> None:
    # Documents go in groups of about one batch of passages: one transaction per document cost a
    # commit per few passages, which the server paid for in CPU the embedding model needed.
    task = progress.add_task("write documents", total=len(run.docs))
    for group in document_groups(run.docs, run.passages_by_doc, W.BATCH):
        pairs = [(doc, p) for doc in group for p in run.passages_by_doc[doc.doc_id]]
        W.write_rows(graph, W.UPSERT_DOCUMENTS, [document_row(doc) for doc in group], report_key=REPORT["key"])
        W.write_rows(graph, W.CLEAR_PASSAGE_MENTIONS, [p.passage_id for _, p in pairs])
        W.write_rows(graph, W.UPSERT_PASSAGES, [passage_row(doc, p) for doc, p in pairs])
        W.write_rows(graph, W.LINK_NEXT, [
            [a.passage_id, b.passage_id] for doc in group
            for a, b in zip(run.passages_by_doc[doc.doc_id], run.passages_by_doc[doc.doc_id][1:])
        ])
        progress.advance(task, len(group))
        failpoint("after-first-document")


def write_text_facts(graph: Graph, docs: list[RawDocument], text_facts: list[TextFact]) -> None:
    """What this run's chapters state, replacing what they stated before (the rules may have changed)."""
    W.write_rows(graph, W.CLEAR_TEXT_FACTS, [d.doc_id for d in docs])
    rows = text_fact_rows(text_facts)
    for kind, query in W.MERGE_TEXT_FACTS.items():
        W.write_rows(graph, query, rows[kind], report_key=REPORT["key"])


def document_groups(docs: list[RawDocument], passages_by_doc: dict[str, list[Passage]], size: int):
    """Consecutive documents holding about `size` passages between them (a long one goes alone)."""
    group, n = [], 0
    for doc in docs:
        if group and n + len(passages_by_doc[doc.doc_id]) > size:
            yield group
            group, n = [], 0
        group.append(doc)
        n += len(passages_by_doc[doc.doc_id])
    if group:
        yield group


def delete_documents(graph: Graph, settings: Settings, doc_ids: list[str]) -> None:
    """Documents, their passages, facts and vectors, and the entities nothing mentions any more."""
    from stores.vectorstore import VectorStore

    if not doc_ids:
        return
    dead: list[str] = []
    for doc_id in doc_ids:
        for row in graph.write(W.DELETE_DOCUMENT, doc_id=doc_id):
            dead.extend(row["pids"])
    graph.write(W.CLEAR_TEXT_FACTS, rows=doc_ids)
    if dead:
        graph.write(W.PRUNE_FACT_PROVENANCE, pids=dead)
        with VectorStore(settings) as store:
            store.delete(dead)
    graph.write(W.DELETE_ORPHAN_ENTITIES)


def count_into(graph: Graph, summary: IngestSummary) -> None:
    for row in graph.read(W.COUNT_NODES_BY_LABEL):
        summary.entities[row["label"]] = row["n"]
    for row in graph.read(W.COUNT_RELATIONSHIPS_BY_TYPE):
        summary.relationships[row["t"]] = row["n"]
