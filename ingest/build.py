"""The ingestion pipeline: documents -> passages -> entities -> Neo4j graph + Chroma vectors.

Idempotent by construction: every node is MERGEd on its key, derived links are rebuilt from the
current documents, and vectors are only computed for passages Chroma lacks (or whose text
changed). A run killed anywhere leaves documents marked incomplete; the next run redoes them and
ends where a clean run ends.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ingest.chapters import detect_chapter
from ingest.chunk import chunk
from ingest.clean import clean
from ingest.dedup import DuplicateLink, find_duplicates
from ingest.entities import Gazetteer, Match
from ingest.facts import REPORT, chapter_facts
from ingest.failpoints import failpoint
from ingest.graph_write import RunGraph, count_into, delete_documents, write_graph
from ingest.heroes import extract_heroes, mentions_heroes
from ingest.load import LoadError, discover, load
from ingest.mentions import extract_mentions, load_ner
from ingest.models import HeroProfile, Passage, RawDocument
from ingest.summary import IngestError, IngestSummary, StageTimer
from ingest.tiers import TierTableError, load_tiers
from ingest.vectors import VectorWriter, sharing_cores_with_model
from ingest.vectortext import passage_context
from kg import writes as W
from kg.driver import Graph
from kg.settings import Settings

__all__ = ["IngestError", "IngestSummary", "prepare", "run_ingest"]


def prepare(doc: RawDocument, gaz: Gazetteer) -> list[Passage]:
    """Clean and chunk one document, and say whether it is a chapter and whose: its passages, with context."""
    cleaned = clean(doc.text)
    # What the file says about itself first (PDF metadata, <title> without the site's name), then its
    # first heading, then its name.
    doc.title = doc.meta_title or cleaned.title or doc.path.stem
    doc.outlet = cleaned.outlet or doc.meta_outlet
    chapter = detect_chapter(gaz, doc.meta_title or cleaned.title, cleaned.blocks)
    if chapter:
        doc.kind, doc.subject, doc.subject_name = "chapter", chapter.iso3, chapter.name
        doc.local_aliases = chapter.local_aliases
        # A chapter copied without its title line still says whose chapter it is.
        doc.title = doc.meta_title or cleaned.title or f"{REPORT['name']}: {chapter.name}"
    ps = chunk(doc, cleaned.blocks)
    context = passage_context(doc.title, doc.subject_name)
    for p in ps:
        p.context = context
    return ps


def run_ingest(
    settings: Settings,
    paths: list[Path],
    tiers_csv: Path | None = None,
    prune: bool = False,
    console: Console | None = None,
    embedder=None,
    nlp=None,
) -> IngestSummary:
    console = console or Console(quiet=True)
    summary = IngestSummary()
    timer = StageTimer(summary)
    gaz = Gazetteer()

    with timer("load"), _progress(console) as reading:
        files, errors = discover([Path(p) for p in paths])
        summary.errors.extend(str(e) for e in errors)
        docs: list[RawDocument] = []
        seen_ids: set[str] = set()
        for f in files:
            task = reading.add_task(f"read {f.name}", total=None)
            try:
                doc = load(f, settings.max_document_bytes, settings.max_pdf_bytes,
                           on_page=lambda done, total, task=task: reading.update(task, completed=done, total=total))
            except LoadError as exc:
                summary.errors.append(str(exc))
                continue
            except OSError as exc:
                summary.errors.append(f"{f.name}: cannot read ({exc.strerror})")
                continue
            finally:
                reading.remove_task(task)
            if doc.doc_id in seen_ids:
                summary.warnings.append(f"{f.name}: same text as another file, ingested once")
                continue
            seen_ids.add(doc.doc_id)
            docs.append(doc)

    with timer("clean+chunk"):
        passages_by_doc: dict[str, list[Passage]] = {}
        for doc in docs:
            ps = prepare(doc, gaz)
            if not ps:
                summary.errors.append(f"{doc.file}: no content left after cleaning")
                continue
            passages_by_doc[doc.doc_id] = ps
        docs = [d for d in docs if d.doc_id in passages_by_doc]
        all_passages = [p for d in docs for p in passages_by_doc[d.doc_id]]
    summary.documents = len(docs)
    summary.passages = len(all_passages)
    if not docs and not tiers_csv:
        raise IngestError("Nothing to ingest: " + ("; ".join(summary.errors) or "no documents found"))

    if embedder is None:
        from stores.embeddings import model_path

        model_path()  # a missing model fails now, not after the graph is written
    with sharing_cores_with_model(), _progress(console) as progress, Graph(settings) as graph:
        graph.ping()
        # Replaced versions of changed files go first, so their facts and vectors don't linger.
        old: list[str] = []
        for group in W.batched([{"path": str(d.path), "doc_id": d.doc_id} for d in docs]):
            old += [r["doc_id"] for r in graph.read(W.FIND_REPLACED_DOCUMENTS, rows=group)]
        if old:
            delete_documents(graph, settings, old)
            summary.replaced = len(old)
        # Embedding is the slowest stage and needs only the passages, so it starts now, in its own
        # thread (torch releases the GIL), while this one does dedup, extraction and the graph.
        vectors = VectorWriter(settings, docs, passages_by_doc, embedder, summary, progress, timer)
        vectors.start()
        try:
            with timer("dedup"):
                dup_links = _duplicates(graph, docs, all_passages)
                summary.duplicates = len(dup_links)

            with timer("extract"):
                nlp = nlp or load_ner()
                hero_docs = {d.doc_id for d in docs if mentions_heroes(passages_by_doc[d.doc_id])}
                found = extract_mentions(all_passages, gaz, nlp, progress, hero_docs, summary)
                heroes: list[HeroProfile] = []
                for doc in docs:
                    if doc.doc_id in hero_docs:
                        heroes.extend(extract_heroes(passages_by_doc[doc.doc_id], found.ents, gaz))
                for h in heroes:
                    for pid in h.passage_ids:
                        found.by_passage[pid].append(Match("Hero", h.key, h.name, 0, 0))
                text_facts = [f for d in docs for f in chapter_facts(gaz, d, passages_by_doc[d.doc_id])]
                # "The government" in a chapter about X is X's: each chapter passage mentions its
                # country, named or not (an unnamed mention has no surface form).
                for doc in docs:
                    if doc.subject:
                        for p in passages_by_doc[doc.doc_id]:
                            found.by_passage[p.passage_id].append(Match("Country", doc.subject, "", 0, 0))

            tier_rows = []
            if tiers_csv:
                try:
                    tier_rows, tier_warnings = load_tiers(Path(tiers_csv), gaz)
                except TierTableError as exc:
                    summary.errors.append(str(exc))
                    tier_warnings = []
                summary.warnings.extend(tier_warnings)
                summary.tier_rows = len(tier_rows)

            with timer("graph"):
                write_graph(graph, gaz, RunGraph(docs, passages_by_doc, found, heroes, dup_links, tier_rows,
                                                 text_facts), progress)
            failpoint("after-graph")
        except BaseException:
            vectors.stop.set()  # the run failed: stop after the batch in hand, keep what is written
            raise
        finally:
            with timer("waiting for vectors"):
                vectors.join()
        vectors.raise_if_failed()
        failpoint("before-complete")
        graph.write(W.MARK_DOCUMENTS_COMPLETE, doc_ids=[d.doc_id for d in docs])
        if prune:
            with timer("prune"):
                keep = {str(d.path) for d in docs} | {str(f.resolve()) for f in files}
                stale = [r["doc_id"] for r in graph.read(W.ALL_DOCUMENTS) if r["path"] not in keep]
                delete_documents(graph, settings, stale)
                summary.pruned = len(stale)
        graph.write(W.BUMP_CORPUS_VERSION)  # a running answerer reopens its stores when this changes
        count_into(graph, summary)
    return summary


def _duplicates(graph: Graph, docs: list[RawDocument], run_passages: list[Passage]) -> list[DuplicateLink]:
    """Near-duplicate links that touch this run's passages, found against the whole graph.

    Links between two documents this run does not touch stay as they are in the graph; so an incremental
    ingest (one more file, or one that fails) loses none, and a new passage is compared with the passages
    already there, not only with its own run's. A full run reads nothing back: every document is in it."""
    if not run_passages:
        return []
    run_ids = [d.doc_id for d in docs]
    others: list[Passage] = []
    files = {d.doc_id: d.file for d in docs}
    for r in graph.read(W.OTHER_PASSAGES, doc_ids=run_ids):
        others.append(Passage(r["passage_id"], r["doc_id"], 0, r["text"], 0, 0))
        files[r["doc_id"]] = r["file"]
    # Every link points from the later file to the earlier (its canonical copy), as a full run would.
    order = {d: i for i, d in enumerate(sorted(files, key=lambda d: (files[d], d)))}
    mine = {p.passage_id for p in run_passages}
    return [link for link in find_duplicates(run_passages + others, order)
            if link.source in mine or link.target in mine]


def _progress(console: Console) -> Progress:
    # Redrawing costs CPU the embedding model needs: twice a second is enough for a long job, and a
    # quiet console (tests, bench, the UI's ingest) needs no redraw thread at all.
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=console, transient=True, auto_refresh=not console.quiet,
                    refresh_per_second=2)
