"""Country chapters of the report, ingested on top of the default corpus, against the real Neo4j and Chroma:
chapter documents, the passage context contract, text-stated tier facts, idempotence and --prune."""

from __future__ import annotations

import shutil

import pytest

from evals.chapter_facts import gold
from ingest.build import run_ingest
from ingest.vectortext import embed_text, passage_context
from kg.settings import PROJECT_ROOT
from retrieval.graph_tools import GraphTools
from stores.vectorstore import VectorStore
from tests.conftest import wipe_graph
from tests.test_ingest import graph_fingerprint

CHAPTERS = PROJECT_ROOT / "data" / "chapters"


def readme_table() -> dict[str, dict]:
    """file -> the tier, direction and consecutive year the chapters' README says the text states."""
    return {f: {"tier": g["tier"], "direction": g["direction"], "consecutive": g["consecutive_years"]}
            for f, g in gold(CHAPTERS).items()}


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


def test_each_chapter_states_the_readme_tier_cited_by_its_sentence(chapters_built, graph):
    """The Cypher a user would write for a chapter's placement gives the README's tier, and the cited span
    of the passage is a sentence that names it."""
    expected = readme_table()
    rows = graph.read("""
        MATCH (d:Document {kind: 'chapter'})-[:ABOUT]->(c:Country)
        MATCH (c)-[r:PLACED_IN {year: 2024, source_kind: 'text', doc_id: d.doc_id}]->(t:Tier)
        MATCH (p:Passage {passage_id: r.passage_id})
        RETURN d.file AS file, t.name AS tier, r.direction AS direction, r.consecutive_years AS n,
               substring(p.text, r.start, r.end - r.start) AS sentence, p.doc_id = d.doc_id AS own""")
    by_file = {r["file"]: r for r in rows}
    assert set(by_file) == set(expected) and len(rows) == 13
    for file, want in expected.items():
        r = by_file[file]
        assert (r["tier"], r["direction"], r["n"]) == (want["tier"], want["direction"], want["consecutive"]), file
        assert want["tier"] in r["sentence"] and r["own"], (file, r["sentence"])
        assert r["sentence"][0].isupper() and r["sentence"].rstrip().endswith("."), r["sentence"]


def test_graph_tools_read_both_sources(chapters_built, graph):
    tools = GraphTools(graph)
    algeria = tools.country_tiers("DZA")["placements"]
    kinds = [(p["source_kind"], p["year"], p["tier"]) for p in algeria]
    assert kinds[0] == ("text", 2024, "Tier 2 Watch List") and ("table", 2024, "Tier 2 Watch List") in kinds
    assert ("table", 2023, "Tier 3") in kinds and kinds[-1][0] == "table"
    text = algeria[0]
    assert text["direction"] == "upgraded" and text["passage_id"] and text["end"] > text["start"]
    assert all(p["row"] for p in algeria if p["source_kind"] == "table")
    germany = tools.country_tiers("DEU")["placements"]
    assert [(p["source_kind"], p["tier"]) for p in germany] == [("text", "Tier 1")]

    rows = {r["iso3"]: r for r in tools.chapter_placements()}
    assert set(rows) == set(EXPECTED_SUBJECT.values())
    assert rows["KOR"]["tier_2024"] == "Tier 1" and rows["KOR"]["direction"] == "upgraded"
    assert rows["KOR"]["table_tier_2024"] == "Tier 1" and rows["KOR"]["table_tier_2023"] == "Tier 2"
    assert rows["DOM"]["consecutive_years"] == 2 and rows["GRC"]["table_tier_2024"] is None
    assert rows["AFG"]["standard"] == "not_significant_efforts" and rows["COL"]["standard"] == "meets"
    assert {r["iso3"] for r in tools.chapter_countries()} == set(EXPECTED_SUBJECT.values())
    plans = tools.country_text_facts("MDA")
    assert any(f["fact"] == "ACTION_PLAN" and f["duration_years"] == 4 for f in plans)
    # the table-shaped templates keep reading the table alone: one row per country, each with its row
    assert all(r["row"] for r in tools.countries_in_tier("Tier 2 Watch List", 2024))
    assert all(r["row"] for r in tools.tier_changes())


def test_reingest_is_idempotent(chapters_built, graph, embedder, nlp):
    settings, copy, _ = chapters_built
    before = graph_fingerprint(graph)
    summary = run_ingest(settings, [settings.corpus_dir, copy], tiers_csv=settings.tiers_csv, embedder=embedder,
                         nlp=nlp)
    assert summary.embedded == 0
    assert graph_fingerprint(graph) == before


def _graph_items(graph) -> tuple[set, set]:
    nodes = {(tuple(r["l"]), r["k"]) for r in graph.read(
        "MATCH (n) RETURN labels(n) AS l, coalesce(n.passage_id, n.doc_id, n.iso3, n.key, n.name) AS k")}
    rels = {(r["t"], r["a"], r["b"], r["d"]) for r in graph.read(
        "MATCH (a)-[r]->(b) RETURN type(r) AS t, coalesce(a.passage_id, a.doc_id, a.iso3, a.key, a.name) AS a, "
        "coalesce(b.passage_id, b.doc_id, b.iso3, b.key, b.name) AS b, "
        "coalesce(r.doc_id, '') + ':' + coalesce(toString(r.year), '') AS d")}
    return nodes, rels


def test_prune_of_a_chapter_removes_its_facts_and_nothing_else(chapters_built, graph, embedder, nlp, tmp_path):
    settings, copy, _ = chapters_built
    before = graph_fingerprint(graph)
    nodes0, rels0 = _graph_items(graph)
    doc_id = graph.read("MATCH (d:Document {file: 'tip2024_laos.txt'}) RETURN d.doc_id AS id")[0]["id"]
    pids = {r["id"] for r in graph.read("MATCH (p:Passage {doc_id: $d}) RETURN p.passage_id AS id", d=doc_id)}
    kept = tmp_path / "tip2024_laos.txt"
    shutil.move(copy / "tip2024_laos.txt", kept)
    try:
        s = run_ingest(settings, [settings.corpus_dir, copy], tiers_csv=settings.tiers_csv, embedder=embedder,
                       nlp=nlp, prune=True)
        assert s.pruned == 1
        nodes1, rels1 = _graph_items(graph)
        gone_nodes, gone_rels = nodes0 - nodes1, rels0 - rels1
        assert not (nodes1 - nodes0) and not (rels1 - rels0)
        assert {k for _, k in gone_nodes} == pids | {doc_id}  # the Laos Country node and its table rows stay
        assert all(a in pids or b in pids or a == doc_id or d.startswith(doc_id) for _, a, b, d in gone_rels)
        assert {(t, b) for t, a, b, d in gone_rels if d.startswith(doc_id)} == {
            ("PLACED_IN", "Tier 2 Watch List"), ("STATUS", "tip-2024")}
        lao = GraphTools(graph).country_tiers("LAO")["placements"]
        assert {p["source_kind"] for p in lao} == {"table"}
    finally:
        shutil.move(kept, copy / "tip2024_laos.txt")
    run_ingest(settings, [settings.corpus_dir, copy], tiers_csv=settings.tiers_csv, embedder=embedder, nlp=nlp)
    assert graph_fingerprint(graph) == before  # back as it was: nothing else was touched


def test_doctor_reports_a_text_table_conflict(chapters_built, graph, embedder, nlp, tmp_path):
    from ingest.doctor import check_stores

    settings, copy, _ = chapters_built
    assert check_stores(settings).tier_conflicts == []  # the 13 chapters agree with the table
    extra = tmp_path / "burma"
    extra.mkdir()
    (extra / "tip2024_burma.txt").write_text(
        "2024 Trafficking in Persons Report: Burma\n\nThe Government of Burma does not fully meet the minimum "
        "standards for the elimination of trafficking but is making significant efforts to do so. The government "
        "demonstrated overall increasing efforts; therefore Burma was upgraded to Tier 2 Watch List. These "
        "efforts included identifying more victims and prosecuting more traffickers than before.\n")
    run_ingest(settings, [extra], tiers_csv=settings.tiers_csv, embedder=embedder, nlp=nlp)
    try:
        conflicts = check_stores(settings).tier_conflicts
        assert [(c["iso3"], c["text_tier"], c["other_kind"], c["other_tier"]) for c in conflicts] == [
            ("MMR", "Tier 2 Watch List", "table", "Tier 3")]
        kinds = {(p["source_kind"], p["tier"]) for p in GraphTools(graph).country_tiers("MMR")["placements"]
                 if p["year"] == 2024}
        assert kinds == {("text", "Tier 2 Watch List"), ("table", "Tier 3")}  # both kept
    finally:
        run_ingest(settings, [settings.corpus_dir, copy], tiers_csv=settings.tiers_csv, embedder=embedder,
                   nlp=nlp, prune=True)
    assert check_stores(settings).tier_conflicts == []
