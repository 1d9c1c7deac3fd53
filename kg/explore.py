"""Read queries for exploring the graph (the UI's Explore tab and Neo4j Browser links)."""

from __future__ import annotations

import json
from urllib.parse import quote

from kg.driver import Graph

ENTITY_LIST = """
MATCH (n) WHERE n:Country OR n:Actor OR n:Trend OR n:Hero OR n:Tier
OPTIONAL MATCH (n)<-[:MENTIONS]-(p:Passage)
WITH n, count(p) AS mentions, EXISTS { (n)-[:PLACED_IN]->() } AS placed
WHERE mentions > 0 OR placed OR n:Tier OR n:Hero
RETURN labels(n)[0] AS label, coalesce(n.iso3, n.key, n.name) AS key, n.name AS name, mentions
ORDER BY label, name
"""

ENTITY_NODE = """
MATCH (n) WHERE (n:Country AND n.iso3 = $key) OR ((n:Actor OR n:Trend OR n:Hero) AND n.key = $key)
   OR (n:Tier AND n.name = $key)
RETURN labels(n)[0] AS label, properties(n) AS props
LIMIT 1
"""

ENTITY_RELATIONS = """
MATCH (n) WHERE (n:Country AND n.iso3 = $key) OR ((n:Actor OR n:Trend OR n:Hero) AND n.key = $key)
   OR (n:Tier AND n.name = $key)
MATCH (n)-[r]-(m) WHERE NOT m:Passage AND NOT m:Document
RETURN type(r) AS type, startNode(r) = n AS outgoing, labels(m)[0] AS label, m.name AS name,
       coalesce(m.iso3, m.key, m.name) AS key, r.year AS year, r.source AS source
ORDER BY type, year DESC, name
LIMIT $limit
"""

ENTITY_MENTIONS = """
MATCH (n) WHERE (n:Country AND n.iso3 = $key) OR ((n:Actor OR n:Trend OR n:Hero) AND n.key = $key)
   OR (n:Tier AND n.name = $key)
MATCH (p:Passage)-[m:MENTIONS]->(n)
MATCH (d:Document)-[:HAS_PASSAGE]->(p)
RETURN p.passage_id AS passage_id, p.text AS text, d.file AS file, d.title AS title, m.surfaces AS surfaces
ORDER BY d.file, p.ordinal
LIMIT $limit
"""

DOCUMENT_OF_PASSAGE = """
MATCH (d:Document)-[:HAS_PASSAGE]->(p:Passage {passage_id: $pid})
RETURN d.path AS path, d.file AS file, d.title AS title, d.outlet AS outlet
"""

KEY_PROPERTY = {"Country": "iso3", "Actor": "key", "Trend": "key", "Hero": "key", "Tier": "name"}


def entity_list(graph: Graph) -> list[dict]:
    return graph.read(ENTITY_LIST)


def entity_node(graph: Graph, key: str) -> dict | None:
    rows = graph.read(ENTITY_NODE, key=key)
    return rows[0] if rows else None


def entity_relations(graph: Graph, key: str, limit: int = 80) -> list[dict]:
    return graph.read(ENTITY_RELATIONS, key=key, limit=limit)


def entity_mentions(graph: Graph, key: str, limit: int = 25) -> list[dict]:
    return graph.read(ENTITY_MENTIONS, key=key, limit=limit)


def document_of_passage(graph: Graph, pid: str) -> dict | None:
    rows = graph.read(DOCUMENT_OF_PASSAGE, pid=pid)
    return rows[0] if rows else None


def browser_cypher(label: str, key: str) -> str:
    """The query to paste into Neo4j Browser: the entity, its neighbours and the passages that mention it."""
    prop = KEY_PROPERTY.get(label, "key")
    literal = json.dumps(key)  # a JSON string is a valid Cypher string literal
    return f"MATCH (n:{label} {{{prop}: {literal}}})-[r]-(m) RETURN n, r, m LIMIT 75"


def browser_url(http_port: int, cypher: str) -> str:
    return f"http://localhost:{http_port}/browser/?cmd=edit&arg={quote(cypher)}"
