"""Read queries for exploring the graph (the UI's Explore tab and Neo4j Browser links)."""

from __future__ import annotations

import json
from urllib.parse import quote

from kg.driver import Graph
from kg.schema import NODE_KEYS, has_label, key_equals, key_expr

ENTITY_LIST = f"""
MATCH (n) WHERE {has_label("n")}
OPTIONAL MATCH (n)<-[:MENTIONS]-(p:Passage)
WITH n, count(p) AS mentions, EXISTS {{ (n)-[:PLACED_IN]->() }} AS placed
WHERE mentions > 0 OR placed OR n:Tier OR n:Hero
RETURN labels(n)[0] AS label, {key_expr("n")} AS key, n.name AS name, mentions
ORDER BY label, name
"""

ENTITY_NODE = f"""
MATCH (n) WHERE {key_equals("n")}
RETURN labels(n)[0] AS label, properties(n) AS props
LIMIT 1
"""

ENTITY_RELATIONS = f"""
MATCH (n) WHERE {key_equals("n")}
MATCH (n)-[r]-(m) WHERE NOT m:Passage AND NOT m:Document
RETURN type(r) AS type, startNode(r) = n AS outgoing, labels(m)[0] AS label, m.name AS name,
       {key_expr("m")} AS key, r.year AS year, r.source AS source
ORDER BY type, year DESC, name
LIMIT $limit
"""

ENTITY_MENTIONS = f"""
MATCH (n) WHERE {key_equals("n")}
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

KEY_PROPERTY = NODE_KEYS


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


def browser_url(http_port: int, cypher: str, dbms: str | None = None) -> str:
    """A Browser link with the query in its editor; `dbms` (bolt://user@host:port) pre-fills the connect form."""
    pre = f"dbms={quote(dbms, safe=':/@')}&" if dbms else ""
    return f"http://localhost:{http_port}/browser/?{pre}cmd=edit&arg={quote(cypher)}"


# -- the Explore graph view -------------------------------------------------------------------
# Every node of the view is named "<Label>|<key>" with the label's unique key (kg.schema.NODE_KEYS),
# so a click on any node (a passage, a document, a tier) can be expanded or opened in Browser.
# One statement per label, built from that fixed map (never from user input): each starts from an
# indexed key lookup instead of scanning every node for a matching property.
_CAPTION = "coalesce(m.name, m.title, m.file, left(m.text, 80), m.key)"
_KEY = key_expr("m", tuple(NODE_KEYS))

# One hop: every relationship but NEXT (reading order, noise in a neighbourhood) and, from a
# Report, the COVERS of every document (the corpus itself, not a neighbourhood).
NEIGHBOURS = {
    label: f"""
MATCH (n:{label} {{{prop}: $key}})-[r]-(m)
WHERE type(r) <> 'NEXT' AND NOT (n:Report AND type(r) = 'COVERS')
WITH r, m, startNode(r) = m AS incoming
ORDER BY CASE WHEN m:Passage THEN 1 ELSE 0 END, type(r), r.year DESC
LIMIT $limit
RETURN type(r) AS type, incoming, r.year AS year, r.row AS row, labels(m)[0] AS label, {_KEY} AS key,
       {_CAPTION} AS caption, m.file AS file, m.outlet AS outlet, m.ordinal AS ordinal
"""
    for label, prop in NODE_KEYS.items()
}

# The documents behind passages (a trend's neighbourhood shows where its passages come from).
DOCUMENTS_OF_PASSAGES = """
UNWIND $pids AS pid
MATCH (d:Document)-[:HAS_PASSAGE]->(p:Passage {passage_id: pid})
RETURN pid, d.doc_id AS key, coalesce(d.title, d.file) AS caption, d.file AS file, d.outlet AS outlet
"""

NODE_DETAILS = {
    label: f"MATCH (n:{label} {{{prop}: $key}}) RETURN labels(n)[0] AS label, properties(n) AS props LIMIT 1"
    for label, prop in NODE_KEYS.items()
}

# A passage with its document, for the reading panel: offsets are in the document's extracted text.
PASSAGE_WITH_DOCUMENT = """
MATCH (d:Document)-[:HAS_PASSAGE]->(p:Passage {passage_id: $pid})
RETURN p.passage_id AS passage_id, p.text AS text, p.start AS start, p.end AS end, p.ordinal AS ordinal,
       d.doc_id AS doc_id, d.path AS path, d.file AS file, d.title AS title, d.outlet AS outlet
"""

# The Documents tab: what is ingested, newest first. `ingested_at` is set once, when that version of
# the file was first written (kg.writes.UPSERT_DOCUMENTS); older graphs lack it.
DOCUMENT_LIST = """
MATCH (d:Document)
RETURN d.doc_id AS doc_id, d.file AS file, d.path AS path, d.title AS title, d.outlet AS outlet,
       d.complete AS complete, d.ingested_at AS ingested_at, COUNT { (d)-[:HAS_PASSAGE]->() } AS passages
ORDER BY d.ingested_at DESC, d.file
"""

DOCUMENT_BY_ID = """
MATCH (d:Document {doc_id: $doc_id})
RETURN d.doc_id AS doc_id, d.file AS file, d.path AS path, d.title AS title, d.outlet AS outlet
"""


def node_id(label: str, key: str) -> str:
    return f"{label}|{key}"


def split_node_id(nid: str) -> tuple[str, str]:
    label, _, key = nid.partition("|")
    if label not in NODE_KEYS or not key:
        raise ValueError(f"not a node id: {nid!r}")
    return label, key


def neighbours(graph: Graph, label: str, key: str, limit: int = 60) -> list[dict]:
    if label not in NEIGHBOURS:
        raise ValueError(f"unknown label {label!r}")
    return graph.read(NEIGHBOURS[label], key=key, limit=limit)


def documents_of_passages(graph: Graph, pids: list[str]) -> list[dict]:
    return graph.read(DOCUMENTS_OF_PASSAGES, pids=pids) if pids else []


def node_details(graph: Graph, label: str, key: str) -> dict | None:
    if label not in NODE_DETAILS:
        raise ValueError(f"unknown label {label!r}")
    rows = graph.read(NODE_DETAILS[label], key=key)
    return rows[0] if rows else None


def passage_with_document(graph: Graph, pid: str) -> dict | None:
    rows = graph.read(PASSAGE_WITH_DOCUMENT, pid=pid)
    return rows[0] if rows else None


def document_list(graph: Graph) -> list[dict]:
    return graph.read(DOCUMENT_LIST)


def document_by_id(graph: Graph, doc_id: str) -> dict | None:
    rows = graph.read(DOCUMENT_BY_ID, doc_id=doc_id)
    return rows[0] if rows else None
