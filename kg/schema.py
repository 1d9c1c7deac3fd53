"""The graph's schema: uniqueness constraints on every node key, plus the search indexes.

Lexical graph: (:Document)-[:HAS_PASSAGE]->(:Passage)-[:NEXT]->(:Passage), with
(:Passage)-[:DUPLICATE_OF]->(:Passage) for near-duplicates across outlets.
Domain graph: (:Passage)-[:MENTIONS]->(:Country|:Actor|:Trend|:Hero|:Tier), plus
(:Hero)-[:HONORED_IN]->(:Report), (:Hero)-[:WORKS_IN]->(:Country),
(:Hero)-[:FOUNDED|LEADS|WORKS_AT]->(:Actor), (:Actor)-[:BASED_IN]->(:Country),
(:Report)-[:HIGHLIGHTS]->(:Trend), (:Trend)-[:OBSERVED_IN]->(:Country),
(:Country)-[:PLACED_IN {year, source, row}]->(:Tier), (:Document)-[:COVERS]->(:Report).
Facts carry provenance as `passage_ids` (text) or `source`/`row` (the tiers table).
"""

from __future__ import annotations

from kg.driver import Graph

NODE_KEYS: dict[str, str] = {
    "Report": "key",
    "Document": "doc_id",
    "Passage": "passage_id",
    "Country": "iso3",
    "Actor": "key",
    "Trend": "key",
    "Hero": "key",
    "Tier": "name",
}

CONSTRAINTS = [
    f"CREATE CONSTRAINT {label.lower()}_{key} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
    for label, key in NODE_KEYS.items()
]

INDEXES = [
    "CREATE INDEX document_file IF NOT EXISTS FOR (d:Document) ON (d.file)",
    "CREATE INDEX document_path IF NOT EXISTS FOR (d:Document) ON (d.path)",
    "CREATE INDEX passage_doc IF NOT EXISTS FOR (p:Passage) ON (p.doc_id)",
    "CREATE FULLTEXT INDEX passage_text IF NOT EXISTS FOR (p:Passage) ON EACH [p.text] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}",
    "CREATE FULLTEXT INDEX entity_names IF NOT EXISTS FOR (n:Country|Actor|Trend|Hero|Tier) "
    "ON EACH [n.name, n.search_aliases]",
]


def apply_schema(graph: Graph) -> None:
    for statement in CONSTRAINTS + INDEXES:
        graph.write(statement)
    graph.write("CALL db.awaitIndexes(60)")
