"""`tipkg doctor`: do the graph and the vector index agree? `--repair` makes them agree again."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console

from ingest.models import Passage
from ingest.vectortext import embed_text, is_stale, vector_metadata
from kg import writes as W
from kg.driver import Graph
from kg.settings import Settings
from stores.vectorstore import ChromaUnavailable, VectorStore, local_index_problem, set_aside

GRAPH_PASSAGES = """
MATCH (d:Document)-[:HAS_PASSAGE]->(p:Passage)
RETURN p.passage_id AS id, p.text AS text, p.section AS section, p.start AS start, p.end AS end,
       p.ordinal AS ordinal, coalesce(p.context, '') AS context, d.doc_id AS doc_id, d.file AS file,
       d.title AS title, coalesce(d.subject, '') AS subject, d.complete AS complete
"""

# A chapter that states another tier than the table (or than another chapter) for the same year. Both are
# kept in the graph; the doctor says so instead of letting a reader pick one silently.
TIER_CONFLICTS = """
MATCH (c:Country)-[x:PLACED_IN {source_kind: 'text'}]->(tx:Tier)
MATCH (c)-[y:PLACED_IN {year: x.year}]->(ty:Tier)
WHERE ty <> tx AND (y.source_kind = 'table' OR (y.source_kind = 'text' AND y.doc_id > x.doc_id))
MATCH (d:Document {doc_id: x.doc_id})
OPTIONAL MATCH (d2:Document {doc_id: y.doc_id})
RETURN c.name AS country, c.iso3 AS iso3, x.year AS year, tx.name AS text_tier, d.file AS file,
       x.passage_id AS passage_id, y.source_kind AS other_kind, ty.name AS other_tier, y.row AS row,
       d2.file AS other_file
ORDER BY c.name, x.year
"""


@dataclass
class DoctorReport:
    graph_passages: int = 0
    vectors: int = 0
    missing_vectors: list[str] = field(default_factory=list)
    orphan_vectors: list[str] = field(default_factory=list)
    stale_vectors: list[str] = field(default_factory=list)
    incomplete_documents: list[str] = field(default_factory=list)
    # Not a store problem (repair cannot settle what the sources disagree on), so not in `problems`.
    tier_conflicts: list[dict] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return len(self.missing_vectors) + len(self.orphan_vectors) + len(self.stale_vectors) + len(
            self.incomplete_documents)


def check_stores(settings: Settings, repair: bool = False, console: Console | None = None, embedder=None) -> DoctorReport:
    console = console or Console(quiet=True)
    report = DoctorReport()
    with Graph(settings) as graph:
        rows = {r["id"]: r for r in graph.read(GRAPH_PASSAGES)}
        report.tier_conflicts = graph.read(TIER_CONFLICTS)
    with _open_store(settings, repair, console) as store:
        _check(settings, store, rows, report, repair, console, embedder)
    return report


def _check(settings: Settings, store: VectorStore, rows: dict[str, dict], report: DoctorReport, repair: bool,
           console: Console, embedder) -> None:
    stored = store.existing(list(rows))
    all_ids = set(store.all_ids())
    report.graph_passages, report.vectors = len(rows), len(all_ids)
    report.missing_vectors = sorted(set(rows) - set(stored))
    report.orphan_vectors = sorted(all_ids - set(rows))
    # Stale: the vector embeds other text or context than the graph's passage (the same test ingest uses).
    report.stale_vectors = sorted(pid for pid, meta in stored.items()
                                  if is_stale(meta, _passage(rows[pid]), rows[pid]["subject"]))
    report.incomplete_documents = sorted({r["file"] for r in rows.values() if not r["complete"]})
    console.print(f"graph passages: {report.graph_passages}  vectors: {report.vectors}")
    console.print(f"missing vectors: {len(report.missing_vectors)}  orphan vectors: {len(report.orphan_vectors)}  "
                  f"stale vectors: {len(report.stale_vectors)}  incomplete documents: {report.incomplete_documents}")
    for c in report.tier_conflicts:
        other = (f"the table (row {c['row']}) says {c['other_tier']}" if c["other_kind"] == "table"
                 else f"{c['other_file']} says {c['other_tier']}")
        console.print(f"[yellow]tier conflict:[/] {c['country']} {c['year']}: {c['file']} says {c['text_tier']}, "
                      f"{other}; both are kept")
    if repair and report.problems:
        store.delete(report.orphan_vectors)
        todo = [rows[pid] for pid in report.missing_vectors + report.stale_vectors]
        if todo:
            if embedder is None:
                from stores.embeddings import Embedder

                embedder = Embedder()
            passages = [_passage(r) for r in todo]
            vectors = embedder.embed([embed_text(p.context, p.text) for p in passages])
            store.upsert([p.passage_id for p in passages], vectors,
                         [vector_metadata(p, r["title"], r["file"], r["subject"]) for p, r in zip(passages, todo)])
        if report.incomplete_documents:
            console.print("[yellow]Documents left incomplete by an interrupted ingest: run `tipkg ingest` again.[/]")
        with Graph(settings) as g:
            g.write(W.BUMP_CORPUS_VERSION)  # running answerers reopen the repaired store
        console.print("[green]repaired[/] vector index")
    elif not report.problems:
        console.print("[green]graph and vector index agree[/]")


def _open_store(settings: Settings, repair: bool, console: Console) -> VectorStore:
    """The vector index, never created by a check; with `repair`, a missing local one is created and an
    unreadable one set aside for an empty one, which the repair then fills from the graph (every passage
    becomes a missing vector)."""
    if not settings.chroma_host and not (settings.chroma_dir / "chroma.sqlite3").exists():
        if not repair:
            # Opening it would create an empty store, and a check would then report every passage as
            # a missing vector of a store that nobody built.
            raise ChromaUnavailable(f"There is no vector index at {settings.chroma_dir}: `tipkg ingest` builds it, "
                                    f"or `tipkg doctor --repair` rebuilds it from the graph.")
        console.print(f"[yellow]no vector index at {settings.chroma_dir}: building it from the graph[/]")
        return VectorStore(settings)
    problem = local_index_problem(settings)
    if problem is None:
        return VectorStore(settings)
    if not repair:
        raise ChromaUnavailable(f"The vector index at {settings.chroma_dir} is unreadable ({problem}): "
                                f"`tipkg doctor --repair` sets it aside and rebuilds it from the graph.")
    aside = set_aside(settings)
    console.print(f"[yellow]vector index unreadable ({problem}): moved to {aside}; rebuilding it from the graph[/]")
    return VectorStore(settings)


def _passage(r: dict) -> Passage:
    return Passage(r["id"], r["doc_id"], r["ordinal"], r["text"], r["start"], r["end"], r["section"] or "",
                   context=r["context"])
