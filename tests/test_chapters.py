"""Country chapters of the report, ingested on top of the default corpus, against the real Neo4j and Chroma:
chapter documents, the passage context contract, text-stated tier facts, idempotence and --prune."""

from __future__ import annotations

import re
import shutil

import pytest

from ingest.build import run_ingest
from ingest.vectortext import embed_text, passage_context
from kg.settings import PROJECT_ROOT
from retrieval.graph_tools import GraphTools
from retrieval.vectorstore import VectorStore
from tests.conftest import wipe_graph
from tests.test_ingest import graph_fingerprint

CHAPTERS = PROJECT_ROOT / "data" / "chapters"


def readme_table() -> dict[str, dict]:
    """file -> the tier, direction and consecutive year the chapters' README says the text states."""
    out = {}
    for line in (CHAPTERS / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not cells[0].endswith(".txt"):
            continue
        m = re.match(r"(?P<tier>Tier \d(?: Watch List)?|Special Case)\s*\((?P<dir>\w+)(?:, (?P<n>\d+)\w* year)?\)",
                     cells[4])
        out[cells[0]] = {"tier": m.group("tier"), "direction": m.group("dir"),
                         "consecutive": int(m.group("n")) if m.group("n") else None}
    return out


EXPECTED_SUBJECT = {
    "tip2024_afghanistan.txt": "AFG", "tip2024_algeria.txt": "DZA", "tip2024_cambodia.txt": "KHM",
    "tip2024_colombia.txt": "COL", "tip2024_dominican_republic.txt": "DOM", "tip2024_germany.txt": "DEU",
    "tip2024_greece.txt": "GRC", "tip2024_indonesia.txt": "IDN", "tip2024_laos.txt": "LAO",
    "tip2024_moldova.txt": "MDA", "tip2024_nigeria.txt": "NGA", "tip2024_south_korea.txt": "KOR",
    "tip2024_uzbekistan.txt": "UZB",
}


@pytest.fixture(scope="module")
def chapters_built(neo4j_settings, embedder, nlp, tmp_path_factory):
    """The default corpus plus a copy of the 13 chapters; the default corpus alone is restored after."""
    settings = neo4j_settings.model_copy(update={"chroma_path": tmp_path_factory.mktemp("chroma-chapters")})
    copy = tmp_path_factory.mktemp("chapters") / "chapters"
    shutil.copytree(CHAPTERS, copy)
    wipe_graph(settings)
    summary = run_ingest(settings, [settings.corpus_dir, copy], tiers_csv=settings.tiers_csv, embedder=embedder,
                         nlp=nlp)
    yield settings, copy, summary
    wipe_graph(settings)
    restore = neo4j_settings.model_copy(update={"chroma_path": tmp_path_factory.mktemp("chroma-restore")})
    run_ingest(restore, [restore.corpus_dir], tiers_csv=restore.tiers_csv, embedder=embedder, nlp=nlp)


def test_readme_table_covers_the_13_chapters():
    assert set(readme_table()) == set(EXPECTED_SUBJECT) == {p.name for p in CHAPTERS.glob("*.txt")}


def test_chapters_are_documents_about_their_country(chapters_built, graph):
    _, _, summary = chapters_built
    assert summary.documents == 18 and not summary.errors
    rows = graph.read("MATCH (d:Document) OPTIONAL MATCH (d)-[:ABOUT]->(c:Country) "
                      "RETURN d.file AS file, d.kind AS kind, d.subject AS subject, d.subject_name AS name, "
                      "d.title AS title, collect(c.iso3) AS about")
    by_file = {r["file"]: r for r in rows}
    for file, iso3 in EXPECTED_SUBJECT.items():
        r = by_file[file]
        assert (r["kind"], r["subject"], r["about"]) == ("chapter", iso3, [iso3]), file
        assert r["name"] and r["title"].startswith("2024 Trafficking in Persons Report")
    news = [r for f, r in by_file.items() if f not in EXPECTED_SUBJECT]
    assert len(news) == 5 and all(r["kind"] == "news" and r["subject"] is None and not r["about"] for r in news)
    # the ecoi header never becomes a title or a passage
    assert not graph.read("MATCH (p:Passage) WHERE p.text CONTAINS 'Dokument #' RETURN p LIMIT 1")


def test_passage_context_contract(chapters_built, graph):
    """The shared contract with the answerer: context on the node, in the embedded text, and in the index."""
    settings, _, _ = chapters_built
    rows = graph.read("MATCH (d:Document)-[:HAS_PASSAGE]->(p:Passage) RETURN p.passage_id AS id, p.text AS text, "
                      "p.context AS context, d.title AS title, d.subject_name AS sname, d.subject AS subject, "
                      "d.kind AS kind")
    for r in rows:
        if r["kind"] == "chapter":
            assert r["context"] == f"{r['title']} — {r['sname']}"
        else:
            assert r["context"] == r["title"]
        assert r["context"] == passage_context(r["title"], r["sname"])
    korea = next(r for r in rows if r["subject"] == "KOR")
    assert korea["context"] == "2024 Trafficking in Persons Report: South Korea — Korea, South"
    assert embed_text(korea["context"], korea["text"]) == korea["context"] + "\n" + korea["text"]
    # Chroma: the subject beside every vector
    meta = VectorStore(settings).existing([r["id"] for r in rows])
    assert all(meta[r["id"]]["subject"] == (r["subject"] or "") for r in rows)
    # the full-text index reads the context: a Greece passage that never names Greece is found by it
    idx = graph.read("SHOW FULLTEXT INDEXES YIELD name, properties WHERE name = 'passage_text' RETURN properties")
    assert idx[0]["properties"] == ["text", "context"]
    unnamed = [r for r in rows if r["subject"] == "GRC" and "Greece" not in r["text"]]
    assert unnamed
    hits = {r["passage_id"] for r in GraphTools(graph).fulltext("Greece", 50)}
    assert {r["id"] for r in unnamed} <= hits


def test_passages_query_returns_chapter_columns(chapters_built, graph):
    pid = graph.read("MATCH (d:Document {subject: 'DZA'})-[:HAS_PASSAGE]->(p) RETURN p.passage_id AS id LIMIT 1")[0]["id"]
    row = GraphTools(graph).passages([pid])[pid]
    assert row["doc_kind"] == "chapter" and row["subject"] == "DZA" and row["subject_name"] == "Algeria"
    assert row["context"].endswith("— Algeria")
    assert {"text", "char_runs", "start", "end", "file", "dups", "entity_keys"} <= set(row)
    assert "DZA" in row["entity_keys"]


def test_every_chapter_passage_mentions_its_country(chapters_built, graph):
    missing = graph.read("MATCH (d:Document {kind: 'chapter'})-[:HAS_PASSAGE]->(p:Passage) "
                         "WHERE NOT (p)-[:MENTIONS]->(:Country {iso3: d.subject}) RETURN p.passage_id AS id")
    assert missing == []
    hits = {r["passage_id"] for r in GraphTools(graph).entity_passages(["IDN"], 100)}
    idn = {r["id"] for r in graph.read("MATCH (:Document {subject: 'IDN'})-[:HAS_PASSAGE]->(p) "
                                       "RETURN p.passage_id AS id")}
    assert idn <= hits


def test_schema_rebuilds_an_old_text_only_index(chapters_built, graph):
    from kg.schema import apply_schema

    graph.write("DROP INDEX passage_text IF EXISTS")
    graph.write("CREATE FULLTEXT INDEX passage_text FOR (p:Passage) ON EACH [p.text]")
    apply_schema(graph)
    idx = graph.read("SHOW FULLTEXT INDEXES YIELD name, properties WHERE name = 'passage_text' RETURN properties")
    assert idx[0]["properties"] == ["text", "context"]
