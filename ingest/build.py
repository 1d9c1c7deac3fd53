"""The ingestion pipeline: documents -> passages -> entities -> Neo4j graph + Chroma vectors.

Idempotent by construction: every node is MERGEd on its key, derived links are rebuilt from the
current documents, and vectors are only computed for passages Chroma lacks (or whose text
changed). A run killed anywhere leaves documents marked incomplete; the next run redoes them and
ends where a clean run ends.
"""

from __future__ import annotations

import gc
import os
import re
import signal
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.chapters import detect_chapter
from ingest.chunk import chunk
from ingest.clean import clean
from ingest.dedup import find_duplicates
from ingest.entities import Gazetteer, Match, org_kind
from ingest.facts import REPORT, TIER_MENTION, chapter_facts, derived_facts, person_aliases, tier_aliases
from ingest.heroes import extract_heroes, mentions_heroes
from ingest.load import LoadError, discover, load
from ingest.models import HeroProfile, Passage, RawDocument
from ingest.tiers import COVERAGE_2024, TIERS, TierTableError, load_tiers
from ingest.vectortext import embed_text, is_stale, passage_context, vector_metadata
from kg import writes as W
from kg.driver import Graph
from kg.schema import apply_schema
from kg.settings import Settings
from text.names import slug

TIERS_TABLE = "tip_2024_tiers.csv"
# How long a thread holds the GIL before handing it on while the model embeds beside the pipeline
# (CPython's default is 5 ms). See _sharing_cores_with_model.
SWITCH_INTERVAL_S = 0.0005


class IngestError(RuntimeError):
    pass


def _failpoint(name: str) -> None:
    """Crash-test hook: `TIPKG_FAILPOINT=<name>` makes the process die here as abruptly as a SIGKILL,
    so tests can prove a re-run converges from every interesting point."""
    if os.environ.get("TIPKG_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class IngestSummary:
    documents: int = 0
    skipped_unchanged: int = 0
    passages: int = 0
    duplicates: int = 0
    embedded: int = 0
    entities: Counter = field(default_factory=Counter)
    relationships: Counter = field(default_factory=Counter)
    tier_rows: int = 0
    pruned: int = 0
    ner_passages: int = 0  # passages spaCy NER ran on (the rest could not name an unknown organisation)
    replaced: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    # CPU of the thread that ran each stage (for vectors, that thread and the model's workers): what a
    # stage takes from the cores the model would otherwise have.
    thread_cpu_seconds: dict[str, float] = field(default_factory=dict)

    def print(self, console: Console) -> None:
        t = Table(title="tipkg ingest", show_header=False)
        t.add_row("documents", str(self.documents))
        t.add_row("passages", str(self.passages))
        t.add_row("near-duplicate links", str(self.duplicates))
        t.add_row("passages embedded this run", str(self.embedded))
        t.add_row("passages read by NER", str(self.ner_passages))
        t.add_row("tier table rows", str(self.tier_rows))
        for label, n in sorted(self.entities.items()):
            t.add_row(f"entities: {label}", str(n))
        for rel, n in sorted(self.relationships.items()):
            t.add_row(f"relationships: {rel}", str(n))
        if self.replaced or self.pruned:
            t.add_row("documents replaced / pruned", f"{self.replaced} / {self.pruned}")
        for stage, s in self.seconds.items():
            t.add_row(f"seconds: {stage}", f"{s:.2f}")
        console.print(t)
        for w in self.warnings:
            console.print(f"[yellow]warning:[/] {w}")
        for e in self.errors:
            console.print(f"[red]skipped:[/] {e}")


class _Timer:
    def __init__(self, summary: IngestSummary):
        self.summary = summary

    def __call__(self, stage: str):
        summary = self.summary

        class _T:
            def __enter__(self_inner):
                self_inner.t, self_inner.cpu = time.perf_counter(), time.thread_time()

            def __exit__(self_inner, *exc):
                summary.seconds[stage] = summary.seconds.get(stage, 0.0) + time.perf_counter() - self_inner.t
                cpu = summary.thread_cpu_seconds
                cpu[stage] = cpu.get(stage, 0.0) + time.thread_time() - self_inner.cpu

        return _T()


@contextmanager
def _sharing_cores_with_model():
    """Lets the embedding thread keep pace while this one works.

    The model dispatches each torch op from Python, so it needs the GIL for a moment between ops; with
    the default 5 ms switch interval it queues behind dedup and extraction, and in `python -m
    bench.gil_probe` it embedded at roughly the rate it reaches beside a busy *process* only once the
    interval was 0.5 ms (end to end at 10k passages the gain was within the machine's noise). Chroma's
    upsert is no help either way: it keeps the GIL for its whole call (`bench.gil_probe chroma`).
    Everything alive after chunking lives to the end of the run, so the cyclic GC's full collections
    (each one holds the GIL) need not walk it again."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()  # a caller that goes on after ingest (tests, a notebook) gets a normally collected heap
        sys.setswitchinterval(old)


def _load_spacy():
    from text.spacy_model import load_english

    # Only the NER is needed (it has its own token embeddings); the rest would cost ~1.5x the time.
    return load_english(exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"])


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
    timer = _Timer(summary)
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
    with _sharing_cores_with_model(), _progress(console) as progress, Graph(settings) as graph:
        graph.ping()
        # Replaced versions of changed files go first, so their facts and vectors don't linger.
        old: list[str] = []
        for group in W.batched([{"path": str(d.path), "doc_id": d.doc_id} for d in docs]):
            old += [r["doc_id"] for r in graph.read(W.FIND_REPLACED_DOCUMENTS, rows=group)]
        if old:
            _delete_documents(graph, settings, old)
            summary.replaced = len(old)
        # Embedding is the slowest stage and needs only the passages, so it starts now, in its own
        # thread (torch releases the GIL), while this one does dedup, extraction and the graph.
        vectors = _VectorWriter(settings, docs, passages_by_doc, embedder, summary, progress, timer)
        vectors.start()
        try:
            with timer("dedup"):
                dup_links = _duplicates(graph, docs, all_passages)
                summary.duplicates = len(dup_links)

            with timer("extract"):
                nlp = nlp or _load_spacy()
                hero_docs = {d.doc_id for d in docs if mentions_heroes(passages_by_doc[d.doc_id])}
                mentions, ner_actors, ents = _extract_mentions(all_passages, gaz, nlp, progress, hero_docs, summary)
                heroes: list[HeroProfile] = []
                for doc in docs:
                    if doc.doc_id in hero_docs:
                        heroes.extend(extract_heroes(passages_by_doc[doc.doc_id], ents, gaz))
                for h in heroes:
                    for pid in h.passage_ids:
                        mentions[pid].append(Match("Hero", h.key, h.name, 0, 0))
                text_facts = [f for d in docs for f in chapter_facts(gaz, d, passages_by_doc[d.doc_id])]
                # "The government" in a chapter about X is X's: each chapter passage mentions its
                # country, named or not (an unnamed mention has no surface form).
                for doc in docs:
                    if doc.subject:
                        for p in passages_by_doc[doc.doc_id]:
                            mentions[p.passage_id].append(Match("Country", doc.subject, "", 0, 0))

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
                _write_graph(graph, gaz, docs, passages_by_doc, mentions, ner_actors, heroes, dup_links,
                             tier_rows, text_facts, progress)
            _failpoint("after-graph")
        except BaseException:
            vectors.stop.set()  # the run failed: stop after the batch in hand, keep what is written
            raise
        finally:
            with timer("waiting for vectors"):
                vectors.join()
        vectors.raise_if_failed()
        _failpoint("before-complete")
        graph.write(W.MARK_DOCUMENTS_COMPLETE, doc_ids=[d.doc_id for d in docs])
        if prune:
            with timer("prune"):
                keep = {str(d.path) for d in docs} | {str(f.resolve()) for f in files}
                stale = [r["doc_id"] for r in graph.read(W.ALL_DOCUMENTS) if r["path"] not in keep]
                _delete_documents(graph, settings, stale)
                summary.pruned = len(stale)
        graph.write(W.BUMP_CORPUS_VERSION)  # a running answerer reopens its stores when this changes
        _count(graph, summary)
    return summary


def _duplicates(graph: Graph, docs: list[RawDocument], run_passages: list[Passage]):
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


def _extract_mentions(passages: list[Passage], gaz: Gazetteer, nlp, progress: Progress, hero_docs: set[str],
                      summary: IngestSummary):
    mentions: dict[str, list[Match]] = defaultdict(list)
    ner_actors: dict[str, dict] = {}
    ents: dict[str, list[tuple[int, int, str]]] = {}
    known_people = {a for e in gaz.actors for a in e.aliases}
    found_in: dict[str, list[Match]] = {}
    for p in passages:
        found = gaz.match(p.text)
        for m in TIER_MENTION.finditer(p.text):
            found.append(Match("Tier", re.sub(r"\s+", " ", m.group(0)), m.group(0), m.start(), m.end()))
        found_in[p.passage_id] = found
    # Hero profiles need every PERSON span; elsewhere NER runs only where an organisation the
    # gazetteer missed could be named.
    need_ner = [p for p in passages
                if p.doc_id in hero_docs or gaz.may_name_other_orgs(p.text, found_in[p.passage_id])]
    summary.ner_passages = len(need_ner)
    task = progress.add_task("extract entities", total=len(need_ner))
    for p, doc in zip(need_ner, nlp.pipe([p.text for p in need_ner], batch_size=32)):
        ents[p.passage_id] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        found = found_in[p.passage_id]
        covered = [(m.start, m.end) for m in found]
        for ent in doc.ents:
            if ent.label_ != "ORG" or any(ent.start_char < b and a < ent.end_char for a, b in covered):
                continue
            name = re.sub(r"^the\s+|['’]s$", "", ent.text.strip())
            if (len(name.split()) < 2 or re.search(r"\b(Report|Tier|Heroes?)\b|\d", name)
                    or name in known_people):
                continue
            resolved = gaz.resolve_org(name)
            if resolved:
                found.append(Match("Actor", resolved.key, ent.text, ent.start_char, ent.end_char))
                continue
            kind = org_kind(name)
            if kind is None:
                continue
            key = slug(name)
            ner_actors.setdefault(key, {"key": key, "name": name, "aliases": [name], "kind": kind,
                                        "role": None, "source": "ner"})
            found.append(Match("Actor", key, ent.text, ent.start_char, ent.end_char))
        progress.advance(task)
    for p in passages:
        mentions[p.passage_id].extend(found_in[p.passage_id])
    return mentions, ner_actors, ents


def _progress(console: Console) -> Progress:
    # Redrawing costs CPU the embedding model needs: twice a second is enough for a long job, and a
    # quiet console (tests, bench, the UI's ingest) needs no redraw thread at all.
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=console, transient=True, auto_refresh=not console.quiet,
                    refresh_per_second=2)


def _search_aliases(names: list[str]) -> str:
    return " | ".join(dict.fromkeys(names))


def _write_graph(graph, gaz, docs, passages_by_doc, mentions, ner_actors, heroes, dup_links, tier_rows,
                 text_facts, progress) -> None:
    apply_schema(graph)
    graph.write(W.UPSERT_REPORT, **REPORT)
    graph.write(W.UPSERT_TIERS, rows=[
        {"name": t, "rank": i + 1, "aliases": tier_aliases(t), "coverage": COVERAGE_2024[t][0],
         "report_total": COVERAGE_2024[t][1], "search_aliases": _search_aliases(tier_aliases(t))}
        for i, t in enumerate(TIERS)
    ])

    # Entities referenced anywhere in this run.
    used: dict[str, set[str]] = defaultdict(set)
    for ms in mentions.values():
        for m in ms:
            used[m.label].add(m.key)
    for h in heroes:
        if h.country_iso3:
            used["Country"].add(h.country_iso3)
        if h.organization_key:
            used["Actor"].add(h.organization_key)
    for r in tier_rows:
        used["Country"].add(r.iso3)
    for doc in docs:
        if doc.subject:
            used["Country"].add(doc.subject)
    for a in gaz.actors:
        if a.key in used["Actor"]:
            if a.props.get("based_in"):
                used["Country"].add(a.props["based_in"])
            if a.props.get("operated_by"):
                used["Actor"].add(a.props["operated_by"])
            if a.props.get("part_of"):
                used["Actor"].add(a.props["part_of"])

    countries = [gaz.country(k) for k in sorted(used["Country"]) if gaz.country(k)]
    W.write_rows(graph, W.UPSERT_COUNTRIES, [
        {"iso3": c.key, "name": c.name, "aliases": c.aliases, "demonyms": c.props["demonyms"],
         "iso2": c.props["iso2"], "search_aliases": _search_aliases(c.aliases + c.props["demonyms"])}
        for c in countries
    ])
    actor_rows = []
    for a in gaz.actors:
        if a.key in used["Actor"]:
            actor_rows.append({"key": a.key, "name": a.name, "aliases": a.aliases, "kind": a.props["kind"],
                               "role": a.props.get("role"), "source": "gazetteer",
                               "search_aliases": _search_aliases(a.aliases)})
    for h in heroes:  # an organisation found only by NER in a hero profile
        if h.organization_key and h.organization_key not in {r["key"] for r in actor_rows}:
            ner_actors.setdefault(h.organization_key, {
                "key": h.organization_key, "name": h.organization, "aliases": [h.organization],
                "kind": org_kind(h.organization or "") or "NGO", "role": None, "source": "ner"})
    for a in ner_actors.values():
        actor_rows.append({**a, "search_aliases": _search_aliases(a["aliases"])})
    W.write_rows(graph, W.UPSERT_ACTORS, actor_rows)
    W.write_rows(graph, W.UPSERT_TRENDS, [
        {"key": t.key, "name": t.name, "aliases": t.aliases, "search_aliases": _search_aliases(t.aliases)}
        for t in gaz.trends if t.key in used["Trend"]
    ])

    # Documents go in groups of about one batch of passages: one transaction per document cost a
    # commit per few passages, which the server paid for in CPU the embedding model needed.
    task = progress.add_task("write documents", total=len(docs))
    for group in _document_groups(docs, passages_by_doc, W.BATCH):
        ps = [p for doc in group for p in passages_by_doc[doc.doc_id]]
        W.write_rows(graph, W.UPSERT_DOCUMENTS, [
            {"doc_id": doc.doc_id, "file": doc.file, "path": str(doc.path), "prefix": doc.prefix, "title": doc.title,
             "outlet": doc.outlet, "chars": len(doc.text), "kind": doc.kind, "subject": doc.subject or None,
             "subject_name": doc.subject_name or None, "published": doc.published or None,
             "pages": doc.pages or None}
            for doc in group
        ], report_key=REPORT["key"])
        W.write_rows(graph, W.CLEAR_PASSAGE_MENTIONS, [p.passage_id for p in ps])
        W.write_rows(graph, W.UPSERT_PASSAGES, [
            {"passage_id": p.passage_id, "doc_id": p.doc_id, "ordinal": p.ordinal, "text": p.text,
             "start": p.start, "end": p.end, "section": p.section, "words": p.words, "file": doc.file,
             "char_runs": p.char_runs, "context": p.context, "pages": p.pages or None,
             "page_starts": p.page_starts if p.pages else None}
            for doc in group for p in passages_by_doc[doc.doc_id]
        ])
        W.write_rows(graph, W.LINK_NEXT, [
            [a.passage_id, b.passage_id] for doc in group
            for a, b in zip(passages_by_doc[doc.doc_id], passages_by_doc[doc.doc_id][1:])
        ])
        progress.advance(task, len(group))
        _failpoint("after-first-document")

    W.write_rows(graph, W.UPSERT_HEROES, [
        {"key": h.key, "name": h.name, "aliases": person_aliases(h.name), "role": h.role,
         "organization": h.organization, "figures": h.figures, "profile": h.text, "country": h.country_iso3,
         "passage_ids": h.passage_ids, "search_aliases": _search_aliases(person_aliases(h.name))}
        for h in heroes
    ], report_key=REPORT["key"])
    W.write_rows(graph, W.MERGE_HERO_ORG, [
        {"hero": h.key, "org": h.organization_key, "rel": h.relation, "role": h.role, "passage_ids": h.passage_ids}
        for h in heroes if h.organization_key
    ])

    mention_rows: dict[str, list[dict]] = defaultdict(list)
    for pid, ms in mentions.items():
        grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
        for m in ms:
            grouped[(m.label, m.key)].append(m.surface)
        for (label, key), surfaces in grouped.items():
            named = [s for s in surfaces if s]  # "" marks a chapter's unnamed mention of its country
            mention_rows[label].append({"pid": pid, "key": key, "surfaces": sorted(set(named)),
                                        "count": len(named) or 1})
    for label, rows in mention_rows.items():
        W.write_rows(graph, W.MERGE_MENTIONS[label], rows)

    W.write_rows(graph, W.CLEAR_DUPLICATES, [p.passage_id for ps in passages_by_doc.values() for p in ps])
    W.write_rows(graph, W.MERGE_DUPLICATES, [
        {"source": d.source, "target": d.target, "shared": d.shared_sentences, "similarity": d.similarity}
        for d in dup_links
    ])

    W.write_rows(graph, W.MERGE_FACTS, derived_facts(gaz, mentions, passages_by_doc, used))

    graph.write(W.CLEAR_TIER_PLACEMENTS, table=TIERS_TABLE)
    placements = []
    for r in tier_rows:
        placements.append({"iso3": r.iso3, "tier": r.tier_2024, "year": 2024, "source": r.source_2024,
                           "row": r.row, "table": TIERS_TABLE, "country": r.country})
        if r.tier_2023:
            placements.append({"iso3": r.iso3, "tier": r.tier_2023, "year": 2023, "source": r.source_2023,
                               "row": r.row, "table": TIERS_TABLE, "country": r.country})
    W.write_rows(graph, W.MERGE_TIER_PLACEMENTS, placements)
    _write_text_facts(graph, docs, text_facts)
    graph.write(W.DELETE_ORPHAN_ENTITIES)


def _write_text_facts(graph, docs, text_facts) -> None:
    """What this run's chapters state, replacing what they stated before (the rules may have changed)."""
    W.write_rows(graph, W.CLEAR_TEXT_FACTS, [d.doc_id for d in docs])
    rows: dict[str, list[dict]] = defaultdict(list)
    for f in text_facts:
        rows[f.kind].append({"iso3": f.iso3, "doc_id": f.doc_id, "passage_id": f.passage_id, "start": f.start,
                             "end": f.end, "rule": f.rule, **f.props})
    for kind, query in W.MERGE_TEXT_FACTS.items():
        W.write_rows(graph, query, rows[kind], report_key=REPORT["key"])


def _document_groups(docs, passages_by_doc, size: int):
    """Consecutive documents holding about `size` passages between them (a long one goes alone)."""
    group, n = [], 0
    for doc in docs:
        if group and n + len(passages_by_doc[doc.doc_id]) > size:
            yield group
            group, n = [], 0
        group.append(doc)
        n += len(passages_by_doc[doc.doc_id])
    if group:
        yield group


class _VectorWriter(threading.Thread):
    """Embeds the passages Chroma lacks and upserts them, beside the rest of the ingest.

    One upsert is in flight while the next batch embeds, so Chroma's indexing hides behind the model
    too; memory stays bounded at two batches."""

    def __init__(self, settings, docs, passages_by_doc, embedder, summary, progress, timer):
        super().__init__(name="tipkg-vectors", daemon=True)
        self.args = (settings, docs, passages_by_doc, embedder, summary, progress)
        self.timer = timer
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.timer("vectors"):
                _write_vectors(*self.args, stop=self.stop)
        except BaseException as exc:  # handed to the main thread, which reports it
            self.error = exc

    def raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error


def _write_vectors(settings, docs, passages_by_doc, embedder, summary, progress, stop: threading.Event) -> None:
    from stores.vectorstore import VectorStore

    store = VectorStore(settings)
    ps = [p for d in docs for p in passages_by_doc[d.doc_id]]
    titles = {d.doc_id: (d.title, d.file, d.subject) for d in docs}
    have = store.existing([p.passage_id for p in ps])
    todo = [p for p in ps if is_stale(have.get(p.passage_id), p, titles[p.doc_id][2])]
    if todo and embedder is None:
        from stores.embeddings import Embedder

        embedder = Embedder()
    task = progress.add_task("embed passages", total=len(todo))
    worker_cpu = getattr(embedder, "worker_cpu_seconds", 0.0)

    def upsert(batch, vectors):
        metas = [vector_metadata(p, *titles[p.doc_id]) for p in batch]
        store.upsert([p.passage_id for p in batch], vectors, metas)
        progress.advance(task, len(batch))
        _failpoint("after-first-vector-batch")

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tipkg-upsert") as upserter:
        pending = None
        for i in range(0, len(todo), settings.vector_batch):
            if stop.is_set():
                break
            batch = todo[i:i + settings.vector_batch]
            vectors = embedder.embed([embed_text(p.context, p.text) for p in batch])
            if pending is not None:
                pending.result()  # surfaces a failed upsert before more work piles up
            pending = upserter.submit(upsert, batch, vectors)
        if pending is not None:
            pending.result()
    summary.thread_cpu_seconds["vectors"] = (summary.thread_cpu_seconds.get("vectors", 0.0)
                                             + getattr(embedder, "worker_cpu_seconds", 0.0) - worker_cpu)
    if stop.is_set():
        return
    summary.embedded = len(todo)
    # Passages that a re-chunked document no longer has.
    live = {p.passage_id for p in ps}
    doc_ids = {d.doc_id for d in docs}
    stale = [pid for pid in store.all_ids() if pid.split(":")[0] in doc_ids and pid not in live]
    store.delete(stale)


def _delete_documents(graph: Graph, settings: Settings, doc_ids: list[str]) -> None:
    from stores.vectorstore import VectorStore

    if not doc_ids:
        return
    dead: list[str] = []
    for doc_id in doc_ids:
        for row in graph.write(W.DELETE_DOCUMENT, doc_id=doc_id):
            dead.extend(row["pids"])
    graph.write(W.CLEAR_TEXT_FACTS, rows=doc_ids)
    if dead:
        graph.write(W.PRUNE_FACT_PROVENANCE, pids=dead)
        VectorStore(settings).delete(dead)
    graph.write(W.DELETE_ORPHAN_ENTITIES)


def _count(graph: Graph, summary: IngestSummary) -> None:
    for row in graph.read("MATCH (n) UNWIND labels(n) AS l RETURN l AS label, count(*) AS n"):
        summary.entities[row["label"]] = row["n"]
    for row in graph.read("MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS n"):
        summary.relationships[row["t"]] = row["n"]
