"""The vector side of an ingest: embeds the passages Chroma lacks, beside the graph work, in a thread."""

from __future__ import annotations

import gc
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from ingest.failpoints import failpoint
from ingest.models import Passage, RawDocument
from ingest.summary import IngestSummary, StageTimer
from ingest.vectortext import embed_text, is_stale, vector_metadata
from kg.settings import Settings

# How long a thread holds the GIL before handing it on while the model embeds beside the pipeline
# (CPython's default is 5 ms). See sharing_cores_with_model.
SWITCH_INTERVAL_S = 0.0005


@contextmanager
def sharing_cores_with_model():
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


class VectorWriter(threading.Thread):
    """Embeds the passages Chroma lacks and upserts them, beside the rest of the ingest.

    One upsert is in flight while the next batch embeds, so Chroma's indexing hides behind the model
    too; memory stays bounded at two batches."""

    def __init__(self, settings: Settings, docs: list[RawDocument], passages_by_doc: dict[str, list[Passage]],
                 embedder, summary: IngestSummary, progress, timer: StageTimer):
        super().__init__(name="tipkg-vectors", daemon=True)
        self.args = (settings, docs, passages_by_doc, embedder, summary, progress)
        self.timer = timer
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.timer("vectors"):
                write_vectors(*self.args, stop=self.stop)
        except BaseException as exc:  # handed to the main thread, which reports it
            self.error = exc

    def raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error


def write_vectors(settings: Settings, docs: list[RawDocument], passages_by_doc: dict[str, list[Passage]], embedder,
                  summary: IngestSummary, progress, stop: threading.Event) -> None:
    from stores.vectorstore import VectorStore

    with VectorStore(settings) as store:
        _write(settings, store, docs, passages_by_doc, embedder, summary, progress, stop)


def _write(settings: Settings, store, docs: list[RawDocument], passages_by_doc: dict[str, list[Passage]], embedder,
           summary: IngestSummary, progress, stop: threading.Event) -> None:
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
        failpoint("after-first-vector-batch")

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
