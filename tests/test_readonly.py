"""Cypher from outside is read-only: 30+ injection attempts, and the graph is unchanged after them."""

from __future__ import annotations

import pytest
from neo4j.exceptions import ClientError

from kg.driver import QueryRefused
from kg.readonly import UnsafeQueryError, check_read_only
from tests.test_ingest import graph_fingerprint

ATTACKS = [
    "CREATE (n:Evil) RETURN n",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n) DELETE n",
    "MATCH (c:Country) SET c.name = 'x'",
    "MATCH (c:Country) REMOVE c.name",
    "MERGE (n:Evil {x: 1})",
    "MATCH (n) WITH n LIMIT 1 FOREACH (x IN [1] | CREATE (:Evil))",
    "DROP CONSTRAINT country_iso3",
    "CREATE INDEX evil FOR (n:Country) ON (n.name)",
    "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "LOAD CSV FROM 'http://127.0.0.1:9/x.csv' AS row RETURN row",
    "CALL apoc.load.json('http://127.0.0.1:9/x')",
    "RETURN apoc.version()",
    "CALL dbms.security.createUser('evil', 'pw', false)",
    "CALL dbms.killQueries(['1'])",
    "CALL db.createLabel('Evil')",
    "CALL db.clearQueryCaches()",
    "MATCH (n) RETURN n; MATCH (n) DETACH DELETE n",
    "RETURN 1; CREATE (:Evil)",
    "ＣＲＥＡＴＥ (:Evil)",  # fullwidth letters
    "CRE\u200bATE (:Evil)",  # zero-width space inside the keyword
    "MATCH (n) /* comment */ DETACH /* */ DELETE n",
    "match (n) detach delete n",
    "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS",
    "USE system SHOW USERS",
    "CREATE USER evil SET PASSWORD 'x'",
    "GRANT ROLE admin TO neo4j",
    "ALTER USER neo4j SET PASSWORD 'x'",
    "START DATABASE neo4j",
    "STOP DATABASE neo4j",
    "CALL gds.graph.drop('x')",
    "",
    "   ",
    "MATCH (n) RETURN n" + " " * 6000,
]


@pytest.mark.parametrize("query", ATTACKS)
def test_validator_refuses(query):
    with pytest.raises(UnsafeQueryError):
        check_read_only(query)


@pytest.mark.parametrize("query", [
    "MATCH (c:Country) RETURN c.name LIMIT 5",
    "MATCH (n) RETURN count(n) AS n",
    "MATCH (h:Hero)-[:WORKS_IN]->(c) RETURN h.name, c.name",
    "MATCH (p:Passage) WHERE p.text CONTAINS 'CREATE a better world; DELETE nothing' RETURN p",
    "CALL db.labels()",
    "CALL db.index.fulltext.queryNodes('passage_text', 'scam') YIELD node RETURN node.passage_id",
])
def test_validator_allows_reads(query):
    assert check_read_only(query)


def test_attacks_leave_the_graph_unchanged(built_corpus, graph):
    before = graph_fingerprint(graph)
    refused = 0
    for q in ATTACKS:
        try:
            graph.run_untrusted(q)
        except QueryRefused:
            refused += 1
    # parameters are data, never code
    graph.run_untrusted("MATCH (c:Country) WHERE c.name = $n RETURN c", {"n": "x' }) DETACH DELETE c //"})
    assert refused == len(ATTACKS)
    assert graph_fingerprint(graph) == before


def test_server_refuses_writes_even_without_the_validator(built_corpus, graph):
    before = graph_fingerprint(graph)
    for q in ["CREATE (:Evil)", "MATCH (c:Country) SET c.name = 'x'", "MATCH (n) DETACH DELETE n"]:
        with pytest.raises(ClientError, match="(?i)write|read"):
            graph._run(q, {}, "READ")
    assert graph_fingerprint(graph) == before
