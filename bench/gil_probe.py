"""How fast the model embeds in a thread while other work runs beside it.

Ingest embeds in its own thread while the main thread dedups, extracts and writes the graph, and another
thread upserts into Chroma. This probe alternates 5 s of work with 5 s of sleep beside a thread that
embeds synthetic passages, and reports the model's rate in each kind of phase for three set-ups, each in
a fresh process, for two kinds of work: pure Python ("python") and back-to-back Chroma upserts of 1,000
vectors ("chroma", which holds the GIL for each whole call):

  thread         the Python work in this process, CPython's default GIL switch interval (5 ms)
  thread-short   the same, with the interval ingest uses (ingest.vectors.SWITCH_INTERVAL_S)
  process        the Python work in a child process (shares the cores, not the GIL)

Run: python -m bench.gil_probe [python|chroma]   (about five minutes per kind; not part of `make bench`)
"""

from __future__ import annotations

import bisect
import json
import multiprocessing as mp
import statistics
import subprocess
import sys
import threading
import time

PHASES, PHASE_S, BATCH = 8, 5.0, 32


def python_work(seconds: float) -> int:
    """Set and dict churn, the kind of work dedup and extraction do; returns how much it did."""
    end, done, seen = time.perf_counter() + seconds, 0, {}
    while time.perf_counter() < end:
        for _ in range(1000):
            shingles = frozenset((done * 7 + k) % 5003 for k in range(12))
            seen[done % 10007] = len(shingles & {1, 2, 3})
            done += 1
    return done


def chroma_work(seconds: float) -> int:
    """Upserts of 1,000 random vectors (with the metadata ingest writes) into a scratch collection, back to
    back; returns how many vectors went in."""
    import numpy as np

    from bench.chroma_cost import TITLE, scratch_collection, synthetic_passages
    from ingest.vectortext import vector_metadata

    global _collection
    if _collection is None:
        _collection = scratch_collection()
    rng, end, done = np.random.default_rng(_collection.count()), time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        batch = synthetic_passages(["a passage"] * 1000, first=_collection.count())
        _collection.upsert(ids=[p.passage_id for p in batch],
                           embeddings=rng.standard_normal((1000, 384)).astype(np.float32),
                           metadatas=[vector_metadata(p, TITLE, f"{p.doc_id}.txt") for p in batch])
        done += 1000
    return done


_collection = None
WORK = {"python": python_work, "chroma": chroma_work}


def _worker(conn, kind: str) -> None:
    while (seconds := conn.recv()) is not None:
        conn.send(WORK[kind](seconds))


def one(mode: str, kind: str = "python") -> dict:
    from bench.generate import passage_texts
    from ingest.vectors import SWITCH_INTERVAL_S
    from stores.embeddings import Embedder

    if mode == "thread-short":
        sys.setswitchinterval(SWITCH_INTERVAL_S)
    texts = passage_texts(40 * BATCH)
    model = Embedder()
    model.embed(texts[:BATCH])
    finished: list[float] = []
    stop = threading.Event()

    def embed() -> None:
        i = 0
        while not stop.is_set():
            start = (i * BATCH) % (len(texts) - BATCH)
            model.embed(texts[start:start + BATCH])
            finished.append(time.perf_counter())
            i += 1

    if mode == "process":
        spawn = mp.get_context("spawn")
        here, there = spawn.Pipe()
        child = spawn.Process(target=_worker, args=(there, kind), daemon=True)
        child.start()
    embedder = threading.Thread(target=embed, daemon=True)
    embedder.start()
    phases, work = [], 0
    for _ in range(PHASES):
        t0 = time.perf_counter()
        if mode == "process":
            here.send(PHASE_S)
            work += here.recv()
        else:
            work += WORK[kind](PHASE_S)
        t1 = time.perf_counter()
        time.sleep(PHASE_S)
        phases.append((t0, t1, time.perf_counter()))
    stop.set()
    embedder.join()
    if mode == "process":
        here.send(None)

    def done_by(t: float) -> float:
        # Passages embedded by time t, counting the batch in hand pro rata: whole batches are too
        # coarse a unit for a 5 s phase.
        i = bisect.bisect_right(finished, t)
        if i == 0 or i == len(finished):
            return i * BATCH
        return (i + (t - finished[i - 1]) / (finished[i] - finished[i - 1])) * BATCH

    def rate(a: float, b: float) -> float:
        return (done_by(b) - done_by(a)) / (b - a)

    return {"mode": mode, "work": kind,
            "model_per_s_beside_work": round(statistics.mean(rate(a, b) for a, b, _ in phases), 1),
            "model_per_s_alone": round(statistics.mean(rate(b, c) for _, b, c in phases), 1),
            "work_per_s": round(work / (PHASES * PHASE_S))}


def main() -> None:
    kinds = sys.argv[1:] or list(WORK)
    for kind in kinds:
        for mode in ("thread", "thread-short", "process"):
            out = subprocess.run([sys.executable, "-m", "bench.gil_probe", "--one", mode, kind], capture_output=True,
                                 text=True, check=True)
            print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(sys.argv[2], sys.argv[3])))
    else:
        main()
