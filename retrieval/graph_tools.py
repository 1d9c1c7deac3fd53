"""Read-only, parameterised Cypher templates for the question shapes the answerer knows."""

from __future__ import annotations

import hashlib

from kg.driver import Graph
from kg.schema import ENTITY_LABELS, has_label, key_equals, key_expr

ENTITY_INDEX = f"""
MATCH (n) WHERE {has_label("n")}
RETURN labels(n)[0] AS label, {key_expr("n")} AS key, n.name AS name,
       coalesce(n.aliases, []) + coalesce(n.demonyms, []) AS aliases
"""

# Both sources: the tier table's rows and what ingested chapters state (source_kind 'table' | 'text').
# Text placements come first and table ones last, so a reader that keys placements by year and keeps the
# last one still gets the table row it can cite as a row.
COUNTRY_TIERS = """
MATCH (c:Country {iso3: $iso3})
OPTIONAL MATCH (c)-[r:PLACED_IN]->(t:Tier)
WITH c, r, t ORDER BY CASE coalesce(r.source_kind, 'table') WHEN 'text' THEN 0 ELSE 1 END, r.year DESC
RETURN c.name AS country,
       collect({year: r.year, tier: t.name, source: r.source, row: r.row,
                source_kind: coalesce(r.source_kind, 'table'), passage_id: r.passage_id, start: r.start,
                end: r.end, direction: r.direction, consecutive_years: r.consecutive_years,
                doc_id: r.doc_id}) AS placements
"""

COUNTRIES_IN_TIER = """
MATCH (c:Country)-[r:PLACED_IN {year: $year, source_kind: 'table'}]->(t:Tier {name: $tier})
OPTIONAL MATCH (c)-[r2:PLACED_IN {year: $other_year, source_kind: 'table'}]->(t2:Tier)
RETURN c.name AS country, c.iso3 AS iso3, r.row AS row, r.source AS source, t2.name AS other_tier, t.coverage_2024 AS coverage
ORDER BY c.name
"""

TIER_INFO = "MATCH (t:Tier {name: $tier}) RETURN t.coverage_2024 AS coverage, t.report_total_2024 AS report_total"

TIER_CHANGES = """
MATCH (c:Country)-[a:PLACED_IN {year: 2024, source_kind: 'table'}]->(t24:Tier),
      (c)-[b:PLACED_IN {year: 2023, source_kind: 'table'}]->(t23:Tier)
WHERE t24 <> t23
RETURN c.name AS country, t23.name AS tier_2023, t24.name AS tier_2024, t23.rank AS rank_2023, t24.rank AS rank_2024,
       a.row AS row, a.source AS source
ORDER BY c.name
"""

# One row per country an ingested chapter is about (its first chapter by file name, if several): the tier
# the text states for 2024 with its sentence, and the table's 2024/2023 rows beside it.
CHAPTER_PLACEMENTS = """
MATCH (d:Document {kind: 'chapter'})-[:ABOUT]->(c:Country)
WITH c, d ORDER BY d.file
WITH c, collect(d)[0] AS d
OPTIONAL MATCH (c)-[x:PLACED_IN {year: 2024, source_kind: 'text', doc_id: d.doc_id}]->(tx:Tier)
OPTIONAL MATCH (c)-[a:PLACED_IN {year: 2024, source_kind: 'table'}]->(ta:Tier)
OPTIONAL MATCH (c)-[b:PLACED_IN {year: 2023, source_kind: 'table'}]->(tb:Tier)
OPTIONAL MATCH (c)-[s:STATUS {source_kind: 'text', doc_id: d.doc_id}]->(:Report)
RETURN c.name AS country, c.iso3 AS iso3, d.doc_id AS doc_id, d.file AS file, d.title AS title,
       tx.name AS tier_2024, tx.rank AS rank_2024, x.direction AS direction,
       x.consecutive_years AS consecutive_years, x.passage_id AS passage_id, x.start AS start, x.end AS end,
       s.standard AS standard, s.passage_id AS standard_passage_id, s.start AS standard_start,
       s.end AS standard_end,
       ta.name AS table_tier_2024, a.row AS table_row_2024, a.source AS table_source_2024,
       tb.name AS table_tier_2023, b.row AS table_row_2023, b.source AS table_source_2023
ORDER BY c.name
"""

CHAPTER_COUNTRIES = """
MATCH (d:Document {kind: 'chapter'})-[:ABOUT]->(c:Country)
WITH c, d ORDER BY d.file
RETURN c.name AS country, c.iso3 AS iso3, collect(d.doc_id) AS doc_ids, collect(d.file) AS files,
       collect(d.title) AS titles
ORDER BY c.name
"""

# What chapters state about a country besides its tier: the standards it meets and its action plans.
COUNTRY_TEXT_FACTS = """
MATCH (c:Country {iso3: $iso3})-[r:STATUS|ACTION_PLAN {source_kind: 'text'}]->(:Report)
MATCH (d:Document {doc_id: r.doc_id})
RETURN type(r) AS fact, r.year AS year, r.standard AS standard, r.plan AS plan, r.status AS status,
       r.start_year AS start_year, r.end_year AS end_year, r.duration_years AS duration_years,
       r.passage_id AS passage_id, r.start AS start, r.end AS end, r.doc_id AS doc_id, d.file AS file
ORDER BY d.file, r.passage_id, r.start
"""

HEROES = """
MATCH (h:Hero)-[:HONORED_IN]->(:Report)
OPTIONAL MATCH (h)-[:WORKS_IN]->(c:Country)
OPTIONAL MATCH (h)-[link:FOUNDED|LEADS|WORKS_AT]->(a:Actor)
OPTIONAL MATCH (c)-[r:PLACED_IN {year: 2024, source_kind: 'table'}]->(t:Tier)
RETURN h.key AS key, h.name AS name, h.role AS role, h.figures AS figures, h.passage_ids AS passage_ids,
       c.name AS country, c.iso3 AS iso3, collect(DISTINCT a.name) AS organizations,
       [x IN collect(DISTINCT {organization: a.name, relation: type(link)}) WHERE x.organization IS NOT NULL]
         AS organization_links,
       t.name AS tier_2024, r.row AS tier_row, r.source AS tier_source
ORDER BY h.passage_ids[0], h.name
"""

ACTOR_PEOPLE = """
MATCH (a:Actor {key: $key})
OPTIONAL MATCH (h:Hero)-[rel:FOUNDED|LEADS|WORKS_AT]->(a)
OPTIONAL MATCH (a)-[:BASED_IN]->(c:Country)
RETURN a.name AS actor, a.kind AS kind, collect(DISTINCT {hero: h.key, rel: type(rel)}) AS people, c.iso3 AS iso3
"""

PASSAGES = f"""
UNWIND $ids AS id
MATCH (p:Passage {{passage_id: id}})<-[:HAS_PASSAGE]-(d:Document)
CALL (p) {{
  // near-copies in other outlets; bounded, since a much-quoted passage can have hundreds
  OPTIONAL MATCH (p)-[:DUPLICATE_OF*1..2]-(q:Passage)<-[:HAS_PASSAGE]-(qd:Document) WHERE q <> p
  WITH DISTINCT q, qd LIMIT 12
  RETURN collect({{passage_id: q.passage_id, text: q.text, file: qd.file, title: qd.title, outlet: qd.outlet}}) AS dups
}}
RETURN p.passage_id AS passage_id, p.text AS text, p.char_runs AS char_runs, p.start AS start, p.end AS end,
       p.section AS section, d.file AS file, d.path AS path, d.prefix AS prefix, d.title AS title,
       d.outlet AS outlet, dups, [(p)-[:MENTIONS]->(e) | {key_expr("e")}] AS entity_keys,
       p.context AS context, d.kind AS doc_kind, d.subject AS subject, d.subject_name AS subject_name,
       p.pages AS pages, p.page_starts AS page_starts
"""

# The passages of documents about a country (its chapter): "the government" there is that country's,
# so they answer questions that name the country even where no sentence repeats the name.
SUBJECT_PASSAGES = """
MATCH (d:Document)-[:HAS_PASSAGE]->(p:Passage)
WHERE d.subject IN $keys
RETURN p.passage_id AS passage_id
ORDER BY d.doc_id, p.ordinal
LIMIT $limit
"""

PASSAGE_COUNT = "MATCH (p:Passage) RETURN count(p) AS n"

ENTITY_FREQUENCY = f"""
MATCH (p:Passage) WITH count(p) AS total
MATCH (e)<-[:MENTIONS]-(p:Passage)
WITH total, {key_expr("e")} AS key, count(DISTINCT p) AS n
RETURN key, toFloat(n) / total AS df
"""

ENTITY_PASSAGES = f"""
UNWIND $keys AS k
MATCH (p:Passage)-[m:MENTIONS]->(e)
WHERE {key_equals("e", "k")}
RETURN p.passage_id AS passage_id, count(*) AS hits, sum(m.count) AS weight
ORDER BY hits DESC, weight DESC
LIMIT $limit
"""

FULLTEXT = """
CALL db.index.fulltext.queryNodes('passage_text', $q, {limit: $limit}) YIELD node, score
RETURN node.passage_id AS passage_id, score
"""

TERM_EXISTS = """
CALL db.index.fulltext.queryNodes('passage_text', $q, {limit: 1}) YIELD node
RETURN count(node) AS n
"""


# What the answerer's in-memory indexes were built from: documents (content-hashed ids) and entities.
CORPUS_VERSION = f"""
OPTIONAL MATCH (d:Document)
WITH count(d) AS documents, collect(d.doc_id + CASE WHEN d.complete THEN '+' ELSE '-' END) AS ids
OPTIONAL MATCH (m:Meta {{key: 'corpus'}})
RETURN documents, ids, COUNT {{ MATCH (e) WHERE {has_label("e", ENTITY_LABELS[:-1])} }} AS entities,
       coalesce(m.version, 0) AS bumps
"""


class NothingIngested(RuntimeError):
    """The graph answers but holds no corpus: nothing was ever ingested into this database."""


class GraphTools:
    def __init__(self, graph: Graph):
        self.graph = graph

    def ingested(self) -> bool:
        """Whether any document was ever ingested here (a fresh or foreign database has no schema either)."""
        return self.graph.read(CORPUS_VERSION)[0]["documents"] > 0

    def corpus_version(self) -> str:
        """Changes whenever an ingest adds, replaces or removes a document or changes the entities."""
        row = self.graph.read(CORPUS_VERSION)[0]
        ids = ",".join(sorted(row["ids"]))
        return hashlib.sha1(f"{row['documents']}|{row['entities']}|{row['bumps']}|{ids}".encode()).hexdigest()

    def entity_index(self) -> list[dict]:
        return self.graph.read(ENTITY_INDEX)

    def country_tiers(self, iso3: str) -> dict | None:
        rows = self.graph.read(COUNTRY_TIERS, iso3=iso3)
        if not rows:
            return None
        row = rows[0]
        row["placements"] = [p for p in row["placements"] if p.get("tier")]
        return row

    def chapter_placements(self) -> list[dict]:
        """One row per chapter country: its stated 2024 tier (direction, consecutive years, the stating
        sentence as passage_id/start/end), its stated standard, and the table's 2024/2023 rows if any."""
        return self.graph.read(CHAPTER_PLACEMENTS)

    def chapter_countries(self) -> list[dict]:
        """The countries the ingested chapters are about, with their documents."""
        return self.graph.read(CHAPTER_COUNTRIES)

    def country_text_facts(self, iso3: str) -> list[dict]:
        return self.graph.read(COUNTRY_TEXT_FACTS, iso3=iso3)

    def countries_in_tier(self, tier: str, year: int) -> list[dict]:
        return self.graph.read(COUNTRIES_IN_TIER, tier=tier, year=year, other_year=2023 if year == 2024 else 2024)

    def tier_info(self, tier: str) -> dict:
        rows = self.graph.read(TIER_INFO, tier=tier)
        return rows[0] if rows else {}

    def tier_changes(self) -> list[dict]:
        return self.graph.read(TIER_CHANGES)

    def heroes(self) -> list[dict]:
        return self.graph.read(HEROES)

    def actor_people(self, key: str) -> dict | None:
        rows = self.graph.read(ACTOR_PEOPLE, key=key)
        return rows[0] if rows else None

    def passages(self, ids: list[str]) -> dict[str, dict]:
        return {r["passage_id"]: r for r in self.graph.read(PASSAGES, ids=ids)}

    def subject_passages(self, keys: list[str], limit: int = 8) -> list[str]:
        return [r["passage_id"] for r in self.graph.read(SUBJECT_PASSAGES, keys=keys, limit=limit)]

    def passage_count(self) -> int:
        return self.graph.read(PASSAGE_COUNT)[0]["n"]

    def all_passage_texts(self) -> list[str]:
        return [r["text"] for r in self.graph.read("MATCH (p:Passage) RETURN p.text AS text")]

    def entity_frequency(self) -> dict[str, float]:
        """Share of passages that mention each entity (a near-ubiquitous one says little)."""
        return {r["key"]: r["df"] for r in self.graph.read(ENTITY_FREQUENCY)}

    def entity_passages(self, keys: list[str], limit: int = 20) -> list[dict]:
        return self.graph.read(ENTITY_PASSAGES, keys=keys, limit=limit)

    def fulltext(self, lucene_query: str, limit: int = 20) -> list[dict]:
        return self.graph.read(FULLTEXT, q=lucene_query, limit=limit)

    def term_exists(self, lucene_query: str) -> bool:
        return self.graph.read(TERM_EXISTS, q=lucene_query)[0]["n"] > 0
