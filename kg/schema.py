"""The graph's schema: uniqueness constraints on every node key, plus the search indexes.

Lexical graph: (:Document)-[:HAS_PASSAGE]->(:Passage)-[:NEXT]->(:Passage), with
(:Passage)-[:DUPLICATE_OF]->(:Passage) for near-duplicates across outlets.
Document.kind is 'chapter' (a country narrative of the report) or 'news'; a chapter has
Document.subject (the Country's iso3) and subject_name, and (:Document)-[:ABOUT]->(:Country).
Passage.context is "<document title> — <subject_name>" for a chapter, the title alone for news; it is
embedded with the text and indexed with it (full-text index `passage_text` on [text, context]).
Domain graph: (:Passage)-[:MENTIONS]->(:Country|:Actor|:Trend|:Hero|:Tier) (every chapter passage mentions
its chapter's country; with no surface form when it says only "the government"), plus
(:Hero)-[:HONORED_IN]->(:Report), (:Hero)-[:WORKS_IN]->(:Country),
(:Hero)-[:FOUNDED|LEADS|WORKS_AT]->(:Actor), (:Actor)-[:BASED_IN]->(:Country),
(:Report)-[:HIGHLIGHTS]->(:Trend), (:Trend)-[:OBSERVED_IN]->(:Country), (:Document)-[:COVERS]->(:Report).
Tier placements, from two sources side by side (never merged; a disagreement is shown by `tipkg doctor`):
  (:Country)-[:PLACED_IN {year, source_kind: 'table', source, row, table, country_as_listed}]->(:Tier)
  (:Country)-[:PLACED_IN {year, source_kind: 'text', doc_id, passage_id, start, end, direction,
                          consecutive_years, rule}]->(:Tier)
  direction: 'upgraded' | 'downgraded' | 'remained' | null (stated without one); year is 2024 unless the
  sentence names another report.
Other facts a chapter states, each on the Report whose standards they are measured by:
  (:Country)-[:STATUS {year, source_kind: 'text', standard, doc_id, passage_id, start, end, rule}]->(:Report)
  standard: 'meets' | 'significant_efforts' (does not fully meet, but is making significant efforts) |
  'not_significant_efforts'
  (:Country)-[:ACTION_PLAN {source_kind: 'text', plan, status, start_year, end_year, duration_years, doc_id,
                            passage_id, start, end, rule}]->(:Report)
  status: 'adopted' | 'finalized' | 'implementing' | 'drafted' | 'not adopted' | 'not implemented'.
Provenance: `passage_ids` (entity-derived facts), `source`/`row` (the tiers table), or for a text fact
`passage_id` with `start`/`end`, the stating sentence's span in the passage text (quote text[start:end]).
"""

from __future__ import annotations

from kg.driver import Graph

# Each label's unique key. More specific keys come first: a Passage also carries its document's doc_id,
# so key_expr's coalesce must try passage_id before doc_id.
NODE_KEYS: dict[str, str] = {
    "Passage": "passage_id",
    "Document": "doc_id",
    "Country": "iso3",
    "Actor": "key",
    "Trend": "key",
    "Hero": "key",
    "Tier": "name",
    "Report": "key",
}
# What questions and Explore are about: the labels a MENTIONS or PLACED_IN points to.
ENTITY_LABELS = ("Country", "Actor", "Trend", "Hero", "Tier")


def key_expr(var: str, labels: tuple[str, ...] = ENTITY_LABELS) -> str:
    """Cypher for node `var`'s unique key, whichever of `labels` it has (built from NODE_KEYS, never input)."""
    props = dict.fromkeys(NODE_KEYS[label] for label in NODE_KEYS if label in labels)
    return f"coalesce({', '.join(f'{var}.{p}' for p in props)})"


def has_label(var: str, labels: tuple[str, ...] = ENTITY_LABELS) -> str:
    return " OR ".join(f"{var}:{label}" for label in labels)


def key_equals(var: str, value: str = "$key", labels: tuple[str, ...] = ENTITY_LABELS) -> str:
    """A predicate true when `var` is the node of one of `labels` whose key is `value` (a parameter or a
    variable of the query)."""
    return " OR ".join(f"({var}:{label} AND {var}.{NODE_KEYS[label]} = {value})" for label in labels)


CONSTRAINTS = [
    f"CREATE CONSTRAINT {label.lower()}_{key} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
    for label, key in NODE_KEYS.items()
]

# The passage full-text index reads the chapter context too ("… Report: Algeria — Algeria"), so a
# question naming a country finds the chapter passages that only say "the government".
PASSAGE_FULLTEXT = "passage_text"
PASSAGE_FULLTEXT_PROPERTIES = ["text", "context"]
FULLTEXT_INDEX_PROPERTIES = "SHOW FULLTEXT INDEXES YIELD name, properties WHERE name = $name RETURN properties"
DROP_PASSAGE_FULLTEXT = f"DROP INDEX {PASSAGE_FULLTEXT} IF EXISTS"

INDEXES = [
    "CREATE INDEX document_file IF NOT EXISTS FOR (d:Document) ON (d.file)",
    "CREATE INDEX document_path IF NOT EXISTS FOR (d:Document) ON (d.path)",
    "CREATE INDEX passage_doc IF NOT EXISTS FOR (p:Passage) ON (p.doc_id)",
    f"CREATE FULLTEXT INDEX {PASSAGE_FULLTEXT} IF NOT EXISTS FOR (p:Passage) ON EACH "
    f"[{', '.join('p.' + x for x in PASSAGE_FULLTEXT_PROPERTIES)}] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}",
    "CREATE FULLTEXT INDEX entity_names IF NOT EXISTS FOR (n:Country|Actor|Trend|Hero|Tier) "
    "ON EACH [n.name, n.search_aliases]",
]


def apply_schema(graph: Graph) -> None:
    # `CREATE … IF NOT EXISTS` keeps an index of the same name whatever it covers: a database made before
    # the index read `context` would keep the text-only one, so an index on other properties is rebuilt.
    rows = graph.read(FULLTEXT_INDEX_PROPERTIES, name=PASSAGE_FULLTEXT)
    if rows and list(rows[0]["properties"]) != PASSAGE_FULLTEXT_PROPERTIES:
        graph.write(DROP_PASSAGE_FULLTEXT)
    for statement in CONSTRAINTS + INDEXES:
        graph.write(statement)
    graph.write("CALL db.awaitIndexes(60)")
