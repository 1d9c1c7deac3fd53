"""One scale point, in its own process (so its peak memory is its own):
generate N synthetic passages, ingest them into the bench stores, then time default-mode `ask`.
Prints one JSON object."""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.generate import generate, questions
from bench.run import cpu_seconds, pct
from ingest.build import run_ingest
from kg import server
from kg.driver import Graph
from kg.settings import Settings
from kg.writes import delete_everything
from retrieval.agent import Agent
from stores.embeddings import Embedder
from stores.vectorstore import VectorStore


def measure_ask(agent: Agent) -> dict:
    """Warm default-mode latency over 120 synthetic questions (after a warm-up of 10)."""
    t = time.perf_counter()
    agent.ask("warm-up: what tier is Burma?")
    startup = time.perf_counter() - t
    qs = questions(130)
    for q in qs[:10]:
        agent.ask(q)
    lat, errors = [], 0
    for q in qs[10:]:
        t = time.perf_counter()
        errors += agent.ask(q).error is not None
        lat.append((time.perf_counter() - t) * 1000)
    return {"agent_startup_s": round(startup, 2), "errors": errors, **pct(lat)}


class TimedEmbedder:
    """The embedder, keeping when each batch started and ended and how many passages it held."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self.batches: list[tuple[float, float, int]] = []

    def __getattr__(self, name):
        return getattr(self.embedder, name)

    def embed(self, texts: list[str]):
        t = time.perf_counter()
        vectors = self.embedder.embed(texts)
        self.batches.append((t, time.perf_counter(), len(texts)))
        return vectors


class RssSampler(threading.Thread):
    """The process's resident memory once a second: when the peak came tells which stage holds it."""

    def __init__(self, interval_s: float = 1.0):
        super().__init__(name="bench-rss", daemon=True)
        self.interval_s = interval_s
        self.samples: list[tuple[float, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.done.wait(self.interval_s):
            self.samples.append((time.perf_counter(), me.memory_info().rss))

    def summary(self, t0: float, rest_done: float) -> dict:
        if not self.samples:
            return {}
        at, peak = max(self.samples, key=lambda s: s[1])
        before = [rss for t, rss in self.samples if t < rest_done]
        return {"ingest_rss_peak_mb": round(peak / 2**20, 1), "ingest_rss_peak_at_s": round(at - t0, 1),
                "ingest_rss_peak_before_rest_done_mb": round(max(before) / 2**20, 1) if before else None}


def model_rates(batches: list[tuple[float, float, int]], rest_done: float) -> dict:
    """The model's passages/s in batches that started while the rest of ingest (dedup, extraction, graph
    writes) still ran, and in those after: how much that work slows the model down."""

    def rate(bs):
        seconds = sum(end - start for start, end, _ in bs)
        return round(sum(n for *_, n in bs) / seconds, 2) if seconds else None

    return {"model_per_s_beside_rest": rate([b for b in batches if b[0] < rest_done]),
            "model_per_s_after_rest": rate([b for b in batches if b[0] >= rest_done])}


def main(n: int) -> dict:
    settings = Settings()  # the bench runner passes the bench instance through the environment
    with Graph(settings) as g:  # the bench instance only: start from an empty graph
        delete_everything(g)
    store = VectorStore(settings)  # and an empty collection: every passage is embedded in this run
    store.delete(store.all_ids())
    embedder = Embedder()
    timed = TimedEmbedder(embedder)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        generate(n, corpus)
        # Where the two cores went: this process (model, pipeline, Chroma) and the Neo4j server.
        neo4j_pid = server.status(settings).pid
        cpu0, neo0 = cpu_seconds(), cpu_seconds(neo4j_pid) if neo4j_pid else 0.0
        rss = RssSampler()
        rss.start()
        t0 = time.perf_counter()
        summary = run_ingest(settings, [corpus], tiers_csv=settings.tiers_csv, embedder=timed)
        ingest_s = time.perf_counter() - t0
        rss.done.set()
        rss.join()
        cpu_s = {"tipkg": round(cpu_seconds() - cpu0, 1),
                 "neo4j": round(cpu_seconds(neo4j_pid) - neo0, 1) if neo4j_pid else None}
    # The rest of ingest ended when the main thread began to wait for the vectors (the count after it is short).
    rest_s = ingest_s - summary.seconds.get("waiting for vectors", 0.0)
    nodes = sum(summary.entities.values())
    rels = sum(summary.relationships.values())
    agent = Agent(settings, embedder=embedder)
    ask = measure_ask(agent)
    agent.close()
    return {
        "passages": summary.passages,
        "documents": summary.documents,
        "ingest_s": round(ingest_s, 2),
        "ingest_passages_per_s": round(summary.passages / ingest_s, 2),
        "stage_s": {k: round(v, 2) for k, v in summary.seconds.items()},
        "stage_thread_cpu_s": {k: round(v, 2) for k, v in summary.thread_cpu_seconds.items()},
        "ingest_cpu_s": cpu_s,
        "rest_of_ingest_s": round(rest_s, 2),
        **model_rates(timed.batches, t0 + rest_s),
        **rss.summary(t0, t0 + rest_s),
        "nodes": nodes,
        "relationships": rels,
        "neo4j_writes_per_s": round((nodes + rels) / max(summary.seconds.get("graph", 1e-9), 1e-9), 1),
        "duplicate_links": summary.duplicates,
        "ner_passages": summary.ner_passages,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "agent_startup_s": ask["agent_startup_s"],
        "ask_questions": ask["n"],
        "ask_errors": ask["errors"],
        "ask_p50_ms": ask["p50_ms"],
        "ask_p95_ms": ask["p95_ms"],
        "ask_max_ms": ask["max_ms"],
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
