"""Ingestion against the real test Neo4j and a real Chroma folder."""

from __future__ import annotations

import gc
import hashlib
import json
import shutil
import sys

import pytest

from ingest.build import run_ingest
from ingest.vectors import SWITCH_INTERVAL_S
from ingest.vectortext import text_hash
from kg.driver import Graph
from stores.vectorstore import VectorStore

HEROES = {
    # name: (country as the report names it, organisation)
    "Rosa Cendón": ("Spain", "SICARcat"),
    "Samson Inocencio Jr.": ("Philippines", "International Justice Mission"),
    "Marcela Martinez": ("Bolivia", "#RedAlertTempranaZar"),
    "Edith Murogo": ("Kenya", "Centre for Domestic Training and Development"),
    "Mustafa Ridha Mustafa al-Yasiri": ("Iraq", "Anti-Human Trafficking Directorate (Iraq Ministry of Interior)"),
    "Al Amin Noyon": ("Bangladesh", "BRAC Migration Welfare Centre"),
    "Letitia Pinas": ("Suriname", "Suriname Police Force Trafficking in Persons Unit"),
    "Oumou Elkhairou Niaré Samaké": ("Mali", None),
    "Marijana Savić": ("Serbia", "Atina"),
    "Maria Werlau": ("Cuba", "Free Society Project"),
}


# What a fingerprint reads. $doc, when given, leaves one document out: its own nodes (the Document and its
# Passages carry its doc_id), the relationships that touch them, the text facts it states (they carry
# its doc_id), and its passages in any provenance list (a relationship cited by it alone goes too). The
# corpus-version bookkeeping node is left out always: every ingest bumps it, by design.
_NOT_OF_DOC = "NOT coalesce({x}.doc_id = $doc, false)"
_OWN_PIDS = "[x IN {x}.passage_ids WHERE $doc IS NULL OR NOT x STARTS WITH $doc + ':']"
_PROPS = ("CASE WHEN {x}.passage_ids IS NULL THEN properties({x}) "
          "ELSE {x}{{.*, passage_ids: " + _OWN_PIDS + "}} END")
FINGERPRINT_LABELS = f"""
MATCH (n) WHERE NOT n:Meta AND {_NOT_OF_DOC.format(x="n")}
UNWIND labels(n) AS l RETURN l, count(*) AS n
"""
FINGERPRINT_NODES = f"""
MATCH (n) WHERE NOT n:Meta AND {_NOT_OF_DOC.format(x="n")}
RETURN labels(n) AS l, {_PROPS.format(x="n")} AS p
"""
_RELS_NOT_OF_DOC = (" AND ".join(_NOT_OF_DOC.format(x=x) for x in ("a", "r", "b"))
                    + " AND (r.passage_ids IS NULL OR size(r.passage_ids) = 0 OR size(" + _OWN_PIDS.format(x="r")
                    + ") > 0)")
FINGERPRINT_TYPES = f"MATCH (a)-[r]->(b) WHERE {_RELS_NOT_OF_DOC} RETURN type(r) AS t, count(*) AS n"
FINGERPRINT_RELS = f"""
MATCH (a)-[r]->(b) WHERE {_RELS_NOT_OF_DOC}
RETURN type(r) AS t, {_PROPS.format(x="r")} AS p, coalesce(a.passage_id, a.doc_id, a.iso3, a.key, a.name) AS a,
       coalesce(b.passage_id, b.doc_id, b.iso3, b.key, b.name) AS b
"""


def graph_fingerprint(g: Graph, without_doc: str | None = None) -> dict:
    """Counts by label and type, plus a checksum of every node's and relationship's properties;
    `without_doc` leaves that document out (see FINGERPRINT_NODES)."""
    labels = {r["l"]: r["n"] for r in g.read(FINGERPRINT_LABELS, doc=without_doc)}
    types = {r["t"]: r["n"] for r in g.read(FINGERPRINT_TYPES, doc=without_doc)}
    # when a document first came in is bookkeeping too: two runs of the same corpus differ only there
    nodes = g.read(FINGERPRINT_NODES, doc=without_doc)
    for row in nodes:
        row["p"].pop("ingested_at", None)
    rels = g.read(FINGERPRINT_RELS, doc=without_doc)

    def digest(rows):
        return hashlib.sha256("\n".join(sorted(json.dumps(r, sort_keys=True, default=str) for r in rows))
                              .encode()).hexdigest()

    return {"labels": labels, "types": types, "nodes": digest(nodes), "rels": digest(rels)}


def test_default_corpus_builds_the_schema(built_corpus, graph):
    _, summary = built_corpus
    assert summary.documents == 5 and not summary.errors
    counts = {r["l"]: r["n"] for r in graph.read("MATCH (n) UNWIND labels(n) AS l RETURN l, count(*) AS n")}
    assert counts["Report"] == 1 and counts["Document"] == 5 and counts["Hero"] == 10 and counts["Tier"] == 5
    assert counts["Passage"] == summary.passages >= 40
    report = graph.read("MATCH (r:Report) RETURN r.edition AS e, r.name AS n")[0]
    assert report["e"] == 24
    tiers = {r["n"] for r in graph.read("MATCH (t:Tier) RETURN t.name AS n")}
    assert tiers == {"Tier 1", "Tier 2", "Tier 2 Watch List", "Tier 3", "Special Case"}


def test_every_hero_has_country_and_organisation(built_corpus, graph):
    rows = graph.read("""
        MATCH (h:Hero)-[:HONORED_IN]->(:Report)
        OPTIONAL MATCH (h)-[:WORKS_IN]->(c:Country)
        OPTIONAL MATCH (h)-[:FOUNDED|LEADS|WORKS_AT]->(a:Actor)
        RETURN h.name AS name, c.name AS country, collect(DISTINCT a.name) AS orgs, h.passage_ids AS pids""")
    found = {r["name"]: r for r in rows}
    assert set(found) == set(HEROES)
    for name, (country, org) in HEROES.items():
        assert found[name]["country"] == country, name
        if org:
            assert org in found[name]["orgs"], (name, found[name]["orgs"])
        assert found[name]["pids"], name  # provenance


def test_founders_are_founders(built_corpus, graph):
    founded = {(r["h"], r["a"]) for r in graph.read("MATCH (h:Hero)-[:FOUNDED]->(a:Actor) RETURN h.name AS h, a.name AS a")}
    assert ("Marijana Savić", "Atina") in founded and ("Maria Werlau", "Free Society Project") in founded
    assert ("Edith Murogo", "Centre for Domestic Training and Development") in founded
    assert not any(h == "Samson Inocencio Jr." for h, _ in founded)


@pytest.mark.parametrize("name, kind", [
    ("INTERPOL", "international organization"), ("EUROPOL", "international organization"),
    ("UN Office on Drugs and Crime", "international organization"), ("Federal Bureau of Investigation", "government agency"),
    ("International Labour Organization", "international organization"), ("Financial Action Task Force", "international organization"),
    ("Canadian Centre for Child Protection", "NGO"), ("Project Arachnid", "program"), ("GraceCity App", "program"),
    ("Operation Synergia", "program"), ("Project Protect", "program"), ("International Justice Mission", "NGO"),
    ("BRAC", "NGO"), ("Atina", "NGO"), ("SICARcat", "NGO"), ("Free Society Project", "NGO"),
    ("Antony J. Blinken", "person"), ("Cindy Dyer", "person"),
])
def test_actors_are_typed(built_corpus, graph, name, kind):
    rows = graph.read("MATCH (a:Actor {name: $n}) RETURN a.kind AS kind, size([(a)<-[:MENTIONS]-() | 1]) AS m", n=name)
    assert rows and rows[0]["kind"] == kind
    assert rows[0]["m"] > 0 or name == "BRAC"  # linked to the passages that mention it


def test_blinken_resolves_to_one_person(built_corpus, graph):
    rows = graph.read("MATCH (p:Passage)-[m:MENTIONS]->(a:Actor {key: 'antony-blinken'}) UNWIND m.surfaces AS s "
                      "RETURN collect(DISTINCT s) AS surfaces, count(DISTINCT p) AS n")
    surfaces = set(rows[0]["surfaces"])
    assert {"Antony J. Blinken", "Antony Blinken", "Blinken"} <= surfaces
    assert graph.read("MATCH (a:Actor) WHERE a.name CONTAINS 'Blinken' RETURN count(a) AS n")[0]["n"] == 1


def test_countries_have_iso_aliases_and_demonyms(built_corpus, graph):
    burma = graph.read("MATCH (c:Country {iso3: 'MMR'}) RETURN c.name AS n, c.aliases AS a")[0]
    assert burma["n"] == "Burma" and "Myanmar" in burma["a"]
    # a demonym links the passage to the country ("Cuban government" -> Cuba)
    rows = graph.read("MATCH (p:Passage)-[m:MENTIONS]->(c:Country {iso3: 'CUB'}) UNWIND m.surfaces AS s "
                      "RETURN collect(DISTINCT s) AS s")
    assert "Cuban" in rows[0]["s"]
    serbian = graph.read("MATCH (p:Passage)-[m:MENTIONS]->(:Country {iso3: 'SRB'}) WHERE 'Serbian' IN m.surfaces "
                         "RETURN count(p) AS n")
    assert serbian[0]["n"] >= 1


def test_passage_country_mentions(built_corpus, graph):
    def countries(snippet):
        rows = graph.read("MATCH (p:Passage)-[:MENTIONS]->(c:Country) WHERE p.text CONTAINS $s "
                          "RETURN collect(c.name) AS c", s=snippet)
        return set(rows[0]["c"])

    assert "Burma" in countries("compound in Burma")
    assert {"India", "United States"} <= countries("chemical engineer from India")  # "American citizens"
    assert {"Canada", "Brazil"} & countries("In Brazil, the State Department") == {"Brazil"}


def test_tier_rows_and_changes(built_corpus, graph):
    rows = graph.read("MATCH (c:Country)-[r:PLACED_IN]->(t:Tier) RETURN c.name AS c, r.year AS y, t.name AS t, "
                      "r.source AS s, r.row AS row")
    placed = {(r["c"], r["y"]): r["t"] for r in rows}
    assert len([k for k in placed if k[1] == 2024]) == 66
    assert placed[("Algeria", 2024)] == "Tier 2 Watch List" and placed[("Algeria", 2023)] == "Tier 3"
    assert placed[("Korea, South", 2024)] == "Tier 1" and placed[("Korea, South", 2023)] == "Tier 2"
    assert placed[("Haiti", 2024)] == "Special Case"
    assert all(r["s"] and r["row"] for r in rows)  # provenance: the table row and its source
    cov = {r["t"]: r["c"] for r in graph.read("MATCH (t:Tier) RETURN t.name AS t, t.coverage_2024 AS c")}
    assert cov["Tier 3"] == "complete" and cov["Tier 1"] == "partial" and cov["Tier 2 Watch List"] == "complete"


def test_near_duplicates_are_linked(built_corpus, graph):
    rows = graph.read("MATCH (a:Passage)-[:DUPLICATE_OF]->(b:Passage) RETURN a.file AS a, b.file AS b, a.text AS t")
    quote = "no one nation can solve alone"
    files = {r["a"] for r in rows if quote in r["t"]} | {r["b"] for r in rows if quote in r["t"]}
    assert {"002", "003", "004"} <= {f[:3] for f in files}
    assert all(r["a"] != r["b"] for r in rows)


def test_chroma_ids_equal_graph_passage_ids(built_corpus, graph):
    settings, _ = built_corpus
    store = VectorStore(settings)
    graph_ids = {r["id"] for r in graph.read("MATCH (p:Passage) RETURN p.passage_id AS id")}
    assert set(store.all_ids()) == graph_ids
    meta = store.existing([sorted(graph_ids)[0]])
    assert set(next(iter(meta.values()))) >= {"file", "title", "start", "end", "text_hash"}
    # no second copy of the text: the graph holds it, and Chroma's copy made every upsert ~1.5x as costly
    assert store.collection.get(ids=sorted(graph_ids)[:5], include=["documents"])["documents"] == [None] * 5


def test_trends_and_report_highlights(built_corpus, graph):
    trends = {r["n"] for r in graph.read("MATCH (:Report)-[:HIGHLIGHTS]->(t:Trend) RETURN t.name AS n")}
    for t in ["Forced labor in online scam operations", "Sextortion", "Online sexual exploitation of children",
              "Trafficking for organ removal", "Coercive recruitment of fighters for Russia's war against Ukraine"]:
        assert t in trends


def test_second_run_is_identical(built_corpus, embedder, nlp, graph):
    settings, _ = built_corpus
    before = graph_fingerprint(graph)
    summary = run_ingest(settings, [settings.corpus_dir], tiers_csv=settings.tiers_csv, embedder=embedder, nlp=nlp)
    assert summary.embedded == 0  # nothing re-embedded
    assert graph_fingerprint(graph) == before


class _RecordingEmbedder:
    """The real model, noting the interpreter state it embeds under; fails on request."""

    def __init__(self, model, fail: bool = False):
        self.model, self.fail, self.seen = model, fail, []

    def embed(self, texts):
        self.seen.append((sys.getswitchinterval(), gc.get_freeze_count() > 0))
        if self.fail:
            raise RuntimeError("embedding failed on purpose")
        return self.model.embed(texts)


@pytest.mark.parametrize("fail", [False, True])
def test_ingest_shares_the_gil_with_the_model_and_restores_the_interpreter(scratch, embedder, nlp, fail):
    before = sys.getswitchinterval()
    recorder = _RecordingEmbedder(embedder, fail=fail)
    if fail:
        with pytest.raises(RuntimeError, match="on purpose"):
            run_ingest(scratch, [scratch.corpus_dir], embedder=recorder, nlp=nlp)
    else:
        run_ingest(scratch, [scratch.corpus_dir], embedder=recorder, nlp=nlp)
    assert recorder.seen and all(seen == (SWITCH_INTERVAL_S, True) for seen in recorder.seen)
    # a caller that goes on after ingest gets its usual switch interval and a collectable heap back
    assert sys.getswitchinterval() == before != SWITCH_INTERVAL_S
    assert gc.get_freeze_count() == 0


def test_changed_document_replaces_its_passages_and_prune(scratch, embedder, nlp, graph, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(scratch.corpus_dir, corpus, ignore=shutil.ignore_patterns("README.md"))
    run_ingest(scratch, [corpus], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    target = next(corpus.glob("001_*.txt"))
    target.write_text(target.read_text().replace("Australia’s efforts", "Australia’s and Zealandia’s efforts"))
    s2 = run_ingest(scratch, [corpus], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    assert s2.replaced == 1
    docs = graph.read("MATCH (d:Document) WHERE d.file STARTS WITH '001' RETURN d.doc_id AS id")
    assert len(docs) == 1
    assert graph.read("MATCH (p:Passage) WHERE p.text CONTAINS 'Zealandia' RETURN count(p) AS n")[0]["n"] == 1
    old_gone = graph.read("MATCH (p:Passage) WHERE p.file STARTS WITH '001' AND NOT p.doc_id IN $ids "
                          "RETURN count(p) AS n", ids=[d["id"] for d in docs])
    assert old_gone[0]["n"] == 0
    store = VectorStore(scratch)
    assert set(store.all_ids()) == {r["id"] for r in graph.read("MATCH (p:Passage) RETURN p.passage_id AS id")}

    next(corpus.glob("003_*.txt")).unlink()
    s3 = run_ingest(scratch, [corpus], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp, prune=True)
    assert s3.pruned == 1
    assert graph.read("MATCH (d:Document) RETURN count(d) AS n")[0]["n"] == 4
    # the heroes lived in 003: their facts and nodes go with it, the tier table stays
    assert graph.read("MATCH (h:Hero) RETURN count(h) AS n")[0]["n"] == 0
    assert graph.read("MATCH ()-[r:PLACED_IN]->() RETURN count(r) AS n")[0]["n"] == 132
    assert set(store.all_ids()) == {r["id"] for r in graph.read("MATCH (p:Passage) RETURN p.passage_id AS id")}


def test_bad_inputs_are_named_and_the_rest_ingests(scratch, embedder, nlp, graph, tmp_path):
    corpus = tmp_path / "bad"
    corpus.mkdir()
    good = next(scratch.corpus_dir.glob("001_*.txt"))
    shutil.copy(good, corpus / good.name)
    (corpus / "empty.txt").write_text("")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 100)
    (corpus / "latin1.txt").write_bytes("Informe sobre la trata de personas en Espa\xf1a".encode("latin-1"))
    (corpus / "slides.pptx").write_bytes(b"PK\x03\x04")
    (corpus / "huge.txt").write_text("word " * 1_300_000)  # ~6.5 MB, over the 5 MB limit
    summary = run_ingest(scratch, [corpus], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    errors = "\n".join(summary.errors)
    assert "empty.txt: the file is empty" in errors
    assert "binary.txt: the file is binary" in errors
    assert "latin1.txt: not UTF-8" in errors
    assert "slides.pptx: unsupported file type" in errors
    assert "huge.txt: the file is" in errors and "limit" in errors
    assert summary.documents == 1
    assert graph.read("MATCH (d:Document) RETURN d.file AS f")[0]["f"] == good.name


def test_html_and_markdown_loaders(scratch, embedder, nlp, graph, tmp_path):
    corpus = tmp_path / "formats"
    corpus.mkdir()
    (corpus / "note.md").write_text("# Notes on Zambia\n\nThe State Department announced a new partnership with "
                                    "Zambia to prevent trafficking and support survivors, and similar agreements "
                                    "are in the works with other countries according to the ambassador.\n")
    (corpus / "page.html").write_text("<html><head><title>Scam compounds</title><script>var x=1;</script></head>"
                                      "<body><nav>Home | About</nav><p>Traffickers used fake job listings to lure "
                                      "individuals to an isolated guarded compound in Burma, where their phones were "
                                      "confiscated and they were forced to run online scams.</p></body></html>")
    summary = run_ingest(scratch, [corpus], tiers_csv=None, embedder=embedder, nlp=nlp)
    assert summary.documents == 2 and not summary.errors
    texts = " ".join(r["t"] for r in graph.read("MATCH (p:Passage) RETURN p.text AS t"))
    assert "compound in Burma" in texts and "var x" not in texts and "Home | About" not in texts
    titles = {r["t"] for r in graph.read("MATCH (d:Document) RETURN d.title AS t")}
    assert "Scam compounds" in titles and "Notes on Zambia" in titles


def test_chroma_round_trip_with_the_real_model(built_corpus, embedder, graph):
    settings, _ = built_corpus
    store = VectorStore(settings)
    hits = store.query(embedder.embed_one("a web crawler that searches for known child sexual abuse material"), 3)
    assert hits and hits[0].metadata["file"].startswith("000")
    # 0.50 when the section heading was embedded with the text; the document title (the passage context)
    # dilutes it a little, to 0.496
    assert hits[0].score > 0.45
    # Chroma holds the vector and where to cite; the text is the graph's
    text = graph.read("MATCH (p:Passage {passage_id: $id}) RETURN p.text AS t", id=hits[0].passage_id)[0]["t"]
    assert "Project Arachnid" in text
    assert hits[0].metadata["text_hash"] == text_hash(text)


DUPLICATE_LINKS = ("MATCH (a:Passage)-[r:DUPLICATE_OF]->(b:Passage) "
                   "RETURN a.passage_id AS a, b.passage_id AS b, r.shared_sentences AS n, r.similarity AS s")


def test_an_incremental_ingest_keeps_the_duplicate_links_it_does_not_touch(scratch, embedder, nlp, graph, tmp_path):
    """Issue 20, item 6: one more file (even one that fails) must not drop the links between the others, and a
    new file's passages are compared with those already in the graph."""
    run_ingest(scratch, [scratch.corpus_dir], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    corpus_alone = graph_fingerprint(graph)
    before = {(r["a"], r["b"], r["n"], r["s"]) for r in graph.read(DUPLICATE_LINKS)}
    assert len(before) >= 10
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    summary = run_ingest(scratch, [empty], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    assert summary.documents == 0 and "empty.txt" in " ".join(summary.errors)
    assert {(r["a"], r["b"], r["n"], r["s"]) for r in graph.read(DUPLICATE_LINKS)} == before
    assert graph_fingerprint(graph) == corpus_alone  # a failed ingest changes nothing at all

    # a new outlet carrying a quote the corpus has: linked to the passages already in the graph
    quote = next(r["t"] for r in graph.read("MATCH (p:Passage) WHERE p.text CONTAINS 'no one nation can solve alone' "
                                            "RETURN p.text AS t LIMIT 1"))
    more = tmp_path / "zzz_more.txt"
    # and a trend the corpus highlights: the report's HIGHLIGHTS fact gains a passage, and keeps its others
    more.write_text("Another outlet on the report\n\n" + quote + "\n\nThe outlet added that traffickers forced "
                    "the people they deceived to work in online scam operations for months.\n")
    run_ingest(scratch, [more], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    new_doc = graph.read("MATCH (d:Document {file: 'zzz_more.txt'}) RETURN d.doc_id AS id")[0]["id"]
    after = {(r["a"], r["b"], r["n"], r["s"]) for r in graph.read(DUPLICATE_LINKS)}
    untouched = {link for link in after if not (link[0].startswith(new_doc) or link[1].startswith(new_doc))}
    assert untouched == before
    new_links = after - before
    assert new_links and all(a.startswith(new_doc) and not b.startswith(new_doc) for a, b, _, _ in new_links)
    # nothing else in the graph moved: the whole fingerprint, that document aside, is the corpus's
    assert graph_fingerprint(graph, without_doc=new_doc) == corpus_alone
    assert graph_fingerprint(graph) != corpus_alone  # (the filter is not what makes them equal)

    # the same links as one run over all six files
    scratch_all = tmp_path / "all"
    shutil.copytree(scratch.corpus_dir, scratch_all, ignore=shutil.ignore_patterns("README.md"))
    shutil.copy(more, scratch_all / more.name)
    from tests.conftest import wipe_graph

    wipe_graph(scratch)
    run_ingest(scratch, [scratch_all], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    assert {(r["a"], r["b"], r["n"], r["s"]) for r in graph.read(DUPLICATE_LINKS)} == after


def test_a_changed_document_gets_the_links_and_graph_of_a_fresh_run(scratch, embedder, nlp, graph, tmp_path):
    """Issue 20, item 6: a changed file's links are recomputed, to it as well as from it (its passages get
    new ids, and the untouched documents' links to its old ones went with them)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(scratch.corpus_dir, corpus, ignore=shutil.ignore_patterns("README.md"))
    run_ingest(scratch, [corpus], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    # the document most others quote: the canonical copy that links from untouched documents point to
    target = graph.read(MOST_QUOTED_DOCUMENT)[0]
    assert target["links"] >= 2
    edited = corpus / target["file"]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\nEditor's note: this article was updated after "
                      "publication to correct the spelling of a place name.\n", encoding="utf-8")
    summary = run_ingest(scratch, [edited], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    assert summary.replaced == 1 and summary.documents == 1
    incremental_links = {(r["a"], r["b"], r["n"], r["s"]) for r in graph.read(DUPLICATE_LINKS)}
    incremental = graph_fingerprint(graph)
    new_doc = graph.read("MATCH (d:Document {file: $file}) RETURN d.doc_id AS id", file=edited.name)[0]["id"]
    assert new_doc != target["doc_id"]
    assert sum(b.startswith(new_doc) for _, b, _, _ in incremental_links) >= 2  # relinked to the new version

    from tests.conftest import wipe_graph

    wipe_graph(scratch)
    run_ingest(scratch, [corpus], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    assert incremental_links == {(r["a"], r["b"], r["n"], r["s"]) for r in graph.read(DUPLICATE_LINKS)}
    assert incremental == graph_fingerprint(graph)


MOST_QUOTED_DOCUMENT = """
MATCH (:Passage)-[r:DUPLICATE_OF]->(:Passage)<-[:HAS_PASSAGE]-(d:Document)
RETURN d.doc_id AS doc_id, d.file AS file, count(r) AS links ORDER BY links DESC, file LIMIT 1
"""
