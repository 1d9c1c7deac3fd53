"""Batched, idempotent graph writes (MERGE on node keys; one transaction per UNWIND batch)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kg.driver import Graph
from kg.schema import NODE_KEYS

BATCH = 500

UPSERT_REPORT = """
MERGE (r:Report {key: $key})
SET r.name = $name, r.edition = $edition, r.year = $year, r.released = $released,
    r.countries_covered = $countries_covered, r.aliases = $aliases
"""

UPSERT_DOCUMENTS = """
MATCH (r:Report {key: $report_key})
UNWIND $rows AS row
MERGE (d:Document {doc_id: row.doc_id})
SET d.file = row.file, d.path = row.path, d.prefix = row.prefix, d.title = row.title, d.outlet = row.outlet,
    d.chars = row.chars, d.complete = false, d.kind = row.kind, d.subject = row.subject,
    d.subject_name = row.subject_name, d.published = row.published, d.pages = row.pages,
    d.ingested_at = coalesce(d.ingested_at, datetime())  // when this version of the file first came in
MERGE (d)-[:COVERS]->(r)
WITH d, row
// the subject is re-derived each run (the gazetteer may have changed): the old link goes first
CALL (d) { MATCH (d)-[a:ABOUT]->(:Country) DELETE a }
CALL (d, row) {
  MATCH (c:Country {iso3: row.subject}) WHERE row.subject IS NOT NULL
  MERGE (d)-[:ABOUT]->(c)
}
"""

# A changed file gets a new doc_id; its old version (same path) goes, with what hung on it.
FIND_REPLACED_DOCUMENTS = """
UNWIND $rows AS row
MATCH (d:Document) WHERE d.path = row.path AND d.doc_id <> row.doc_id
RETURN DISTINCT d.doc_id AS doc_id
"""

DELETE_DOCUMENT = """
MATCH (d:Document {doc_id: $doc_id})
OPTIONAL MATCH (d)-[:HAS_PASSAGE]->(p:Passage)
WITH d, collect(p) AS ps, collect(p.passage_id) AS pids
FOREACH (p IN ps | DETACH DELETE p)
DETACH DELETE d
RETURN pids
"""

# Facts whose every supporting passage is gone are removed; the others lose the dead ids.
PRUNE_FACT_PROVENANCE = """
MATCH ()-[r]->() WHERE r.passage_ids IS NOT NULL AND any(x IN r.passage_ids WHERE x IN $pids)
WITH r, [x IN r.passage_ids WHERE NOT x IN $pids] AS kept
FOREACH (_ IN CASE WHEN size(kept) = 0 THEN [1] ELSE [] END | DELETE r)
FOREACH (_ IN CASE WHEN size(kept) > 0 THEN [1] ELSE [] END | SET r.passage_ids = kept)
"""

# What an ingest reports it left in the graph.
COUNT_NODES_BY_LABEL = "MATCH (n) UNWIND labels(n) AS l RETURN l AS label, count(*) AS n"
COUNT_RELATIONSHIPS_BY_TYPE = "MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS n"

DELETE_ORPHAN_ENTITIES = """
MATCH (n) WHERE (n:Hero OR n:Trend OR (n:Actor AND n.source = 'ner')) AND NOT (n)--()
DELETE n
"""

CLEAR_PASSAGE_MENTIONS = """
UNWIND $rows AS pid
MATCH (p:Passage {passage_id: pid})-[m:MENTIONS]->()
DELETE m
"""

UPSERT_PASSAGES = """
UNWIND $rows AS row
MATCH (d:Document {doc_id: row.doc_id})
MERGE (p:Passage {passage_id: row.passage_id})
SET p.doc_id = row.doc_id, p.ordinal = row.ordinal, p.text = row.text, p.start = row.start,
    p.end = row.end, p.section = row.section, p.words = row.words, p.file = row.file,
    p.char_runs = row.char_runs, p.context = row.context, p.pages = row.pages, p.page_starts = row.page_starts
MERGE (d)-[:HAS_PASSAGE]->(p)
"""

LINK_NEXT = """
UNWIND $rows AS pair
MATCH (a:Passage {passage_id: pair[0]}), (b:Passage {passage_id: pair[1]})
MERGE (a)-[:NEXT]->(b)
"""

UPSERT_COUNTRIES = """
UNWIND $rows AS row
MERGE (c:Country {iso3: row.iso3})
SET c.name = row.name, c.aliases = row.aliases, c.demonyms = row.demonyms, c.iso2 = row.iso2,
    c.search_aliases = row.search_aliases
"""

UPSERT_ACTORS = """
UNWIND $rows AS row
MERGE (a:Actor {key: row.key})
SET a.name = row.name, a.aliases = row.aliases, a.kind = row.kind, a.role = row.role,
    a.source = row.source, a.search_aliases = row.search_aliases
"""

UPSERT_TRENDS = """
UNWIND $rows AS row
MERGE (t:Trend {key: row.key})
SET t.name = row.name, t.aliases = row.aliases, t.search_aliases = row.search_aliases
"""

UPSERT_TIERS = """
UNWIND $rows AS row
MERGE (t:Tier {name: row.name})
SET t.aliases = row.aliases, t.rank = row.rank, t.coverage_2024 = row.coverage,
    t.report_total_2024 = row.report_total, t.search_aliases = row.search_aliases
"""

# One statement per entity label: the single statement it replaces ran five OPTIONAL MATCH subqueries,
# one per label, for every row, and MENTIONS are most of the rows an ingest writes.
MERGE_MENTIONS = {
    label: f"""
UNWIND $rows AS row
MATCH (p:Passage {{passage_id: row.pid}}), (e:{label} {{{key}: row.key}})
MERGE (p)-[m:MENTIONS]->(e)
SET m.surfaces = row.surfaces, m.count = row.count
"""
    for label, key in NODE_KEYS.items() if label in ("Country", "Actor", "Trend", "Hero", "Tier")
}

# Only the links of the passages being written are recomputed: links between untouched documents stay.
CLEAR_DUPLICATES = """
UNWIND $rows AS pid
MATCH (:Passage {passage_id: pid})-[r:DUPLICATE_OF]-(:Passage)
WITH DISTINCT r
DELETE r
"""

# The passages of documents outside this run, to find this run's near-duplicates among them.
OTHER_PASSAGES = """
MATCH (d:Document)-[:HAS_PASSAGE]->(p:Passage) WHERE NOT d.doc_id IN $doc_ids
RETURN p.passage_id AS passage_id, p.doc_id AS doc_id, p.text AS text, d.file AS file
"""

MERGE_DUPLICATES = """
UNWIND $rows AS row
MATCH (a:Passage {passage_id: row.source}), (b:Passage {passage_id: row.target})
MERGE (a)-[r:DUPLICATE_OF]->(b)
SET r.shared_sentences = row.shared, r.similarity = row.similarity
"""

MERGE_TIER_PLACEMENTS = """
UNWIND $rows AS row
MATCH (c:Country {iso3: row.iso3}), (t:Tier {name: row.tier})
MERGE (c)-[r:PLACED_IN {year: row.year, source_kind: 'table'}]->(t)
SET r.source = row.source, r.row = row.row, r.table = row.table, r.country_as_listed = row.country
"""

CLEAR_TIER_PLACEMENTS = "MATCH (:Country)-[r:PLACED_IN]->(:Tier) WHERE r.table = $table DELETE r"

# Facts a chapter states (ingest.facts): each names its document, so replacing or pruning the document
# removes exactly them. Beside the table's placements, never over them: the MERGE keys differ in
# source_kind and doc_id, so a text placement and a table one for the same year are two relationships.
CLEAR_TEXT_FACTS = """
UNWIND $rows AS id
MATCH (:Country)-[r:PLACED_IN|STATUS|ACTION_PLAN]->() WHERE r.source_kind = 'text' AND r.doc_id = id
DELETE r
"""

MERGE_TEXT_FACTS = {
    "placement": """
UNWIND $rows AS row
MATCH (c:Country {iso3: row.iso3}), (t:Tier {name: row.tier})
MERGE (c)-[r:PLACED_IN {year: row.year, source_kind: 'text', doc_id: row.doc_id}]->(t)
SET r.passage_id = row.passage_id, r.start = row.start, r.end = row.end, r.direction = row.direction,
    r.consecutive_years = row.consecutive_years, r.rule = row.rule
""",
    "status": """
UNWIND $rows AS row
MATCH (c:Country {iso3: row.iso3}), (rep:Report {key: $report_key})
MERGE (c)-[r:STATUS {year: row.year, source_kind: 'text', doc_id: row.doc_id}]->(rep)
SET r.standard = row.standard, r.passage_id = row.passage_id, r.start = row.start, r.end = row.end,
    r.rule = row.rule
""",
    "action_plan": """
UNWIND $rows AS row
MATCH (c:Country {iso3: row.iso3}), (rep:Report {key: $report_key})
MERGE (c)-[r:ACTION_PLAN {source_kind: 'text', doc_id: row.doc_id, passage_id: row.passage_id, start: row.start}]->(rep)
SET r.end = row.end, r.plan = row.plan, r.status = row.status, r.start_year = row.start_year,
    r.end_year = row.end_year, r.duration_years = row.duration_years, r.rule = row.rule
""",
}

UPSERT_HEROES = """
UNWIND $rows AS row
MERGE (h:Hero {key: row.key})
SET h.name = row.name, h.aliases = row.aliases, h.role = row.role, h.organization = row.organization,
    h.figures = row.figures, h.profile = row.profile, h.search_aliases = row.search_aliases,
    h.passage_ids = row.passage_ids
WITH h, row
MATCH (r:Report {key: $report_key})
MERGE (h)-[hr:HONORED_IN]->(r)
SET hr.passage_ids = row.passage_ids
WITH h, row
CALL (h, row) {
  MATCH (c:Country {iso3: row.country}) WHERE row.country IS NOT NULL
  MERGE (h)-[w:WORKS_IN]->(c)
  SET w.passage_ids = row.passage_ids
}
"""

MERGE_HERO_ORG = """
UNWIND $rows AS row
MATCH (h:Hero {key: row.hero}), (a:Actor {key: row.org})
CALL (h, a, row) {
  WITH h, a, row WHERE row.rel = 'FOUNDED'
  MERGE (h)-[r:FOUNDED]->(a) SET r.passage_ids = row.passage_ids, r.role = row.role
  MERGE (h)-[l:LEADS]->(a) SET l.passage_ids = row.passage_ids, l.role = row.role
}
CALL (h, a, row) {
  WITH h, a, row WHERE row.rel = 'LEADS'
  MERGE (h)-[r:LEADS]->(a) SET r.passage_ids = row.passage_ids, r.role = row.role
}
CALL (h, a, row) {
  WITH h, a, row WHERE row.rel = 'WORKS_AT'
  MERGE (h)-[r:WORKS_AT]->(a) SET r.passage_ids = row.passage_ids, r.role = row.role
}
"""

MERGE_FACTS = """
UNWIND $rows AS row
CALL (row) {
  MATCH (a:Actor {key: row.from}), (c:Country {iso3: row.to}) WHERE row.type = 'BASED_IN'
  MERGE (a)-[r:BASED_IN]->(c) SET r.passage_ids = row.passage_ids, r.source = row.source
}
CALL (row) {
  MATCH (t:Trend {key: row.from}), (c:Country {iso3: row.to}) WHERE row.type = 'OBSERVED_IN'
  MERGE (t)-[r:OBSERVED_IN]->(c) SET r.passage_ids = row.passage_ids
}
CALL (row) {
  MATCH (rep:Report {key: row.from}), (t:Trend {key: row.to}) WHERE row.type = 'HIGHLIGHTS'
  MERGE (rep)-[r:HIGHLIGHTS]->(t) SET r.passage_ids = row.passage_ids
}
CALL (row) {
  MATCH (a:Actor {key: row.from}), (b:Actor {key: row.to}) WHERE row.type = 'OPERATED_BY'
  MERGE (a)-[r:OPERATED_BY]->(b) SET r.passage_ids = row.passage_ids, r.source = row.source
}
"""

# The passages of documents outside this run that a derived fact already cites: a run derives facts from
# its own passages only, and writing those alone would drop the rest (an incremental ingest of one file
# took HIGHLIGHTS from eight passages to one).
FACT_PROVENANCE = """
UNWIND $rows AS row
CALL (row) {
  MATCH (:Actor {key: row.from})-[r:BASED_IN]->(:Country {iso3: row.to}) WHERE row.type = 'BASED_IN' RETURN r
  UNION
  MATCH (:Trend {key: row.from})-[r:OBSERVED_IN]->(:Country {iso3: row.to}) WHERE row.type = 'OBSERVED_IN' RETURN r
  UNION
  MATCH (:Report {key: row.from})-[r:HIGHLIGHTS]->(:Trend {key: row.to}) WHERE row.type = 'HIGHLIGHTS' RETURN r
  UNION
  MATCH (:Actor {key: row.from})-[r:OPERATED_BY]->(:Actor {key: row.to}) WHERE row.type = 'OPERATED_BY' RETURN r
}
UNWIND coalesce(r.passage_ids, []) AS pid
MATCH (d:Document)-[:HAS_PASSAGE]->(p:Passage {passage_id: pid}) WHERE NOT d.doc_id IN $doc_ids
RETURN row.type AS type, row.from AS from, row.to AS to, pid, d.file AS file, d.doc_id AS doc_id,
       p.ordinal AS ordinal
"""

MARK_DOCUMENTS_COMPLETE = """
UNWIND $doc_ids AS id
MATCH (d:Document {doc_id: id}) SET d.complete = true
"""

ALL_DOCUMENTS = "MATCH (d:Document) RETURN d.doc_id AS doc_id, d.path AS path, d.complete AS complete"


# Every ingest and repair bumps this: an answerer that opened its stores on an older version reopens them
# (its vector store too, which a document hash alone would not tell it had been rebuilt).
BUMP_CORPUS_VERSION = """
MERGE (m:Meta {key: 'corpus'})
SET m.version = coalesce(m.version, 0) + 1, m.changed = datetime()
"""


def batched(rows: list[Any], size: int = BATCH) -> Iterable[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def write_rows(graph: Graph, query: str, rows: list[dict], size: int = BATCH, **params: Any) -> None:
    for chunk in batched(rows, size):
        graph.write(query, rows=chunk, **params)


DELETE_SOME_RELATIONSHIPS = "MATCH ()-[r]->() WITH r LIMIT $limit DELETE r RETURN count(*) AS deleted"
DELETE_SOME_NODES = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"


def delete_everything(graph: Graph, batch: int = 20000) -> None:
    """Empty the database in small transactions: one DETACH DELETE of a large graph (or of a node that
    100k passages mention) would exceed the server's transaction memory limit. Relationships go first
    for that reason. For the test and bench instances, never a user's graph."""
    for query in (DELETE_SOME_RELATIONSHIPS, DELETE_SOME_NODES):
        while graph.write(query, limit=batch)[0]["deleted"]:
            pass
