"""How the embedder's two layouts share a small machine: one model whose every op uses all cores (what a
question goes through) and one single-threaded copy of the model per core (what ingest batches go through),
each alone and beside a thread of busy Python work (the kind dedup and extraction do).

With one model on all cores, each op ends at a barrier that waits for its slowest thread; when the Python
thread takes a core from one of them, the others wait too. Copies of the model do not wait for each other.

`python -m bench.embed_probe [N]` prints one JSON line per run: the model's passages/s and how much Python
work got done beside it (same N passages each run, the layouts alternated; about three minutes at N=1000).
"""

from __future__ import annotations

import json
import sys
import threading
import time

from stores.offline import ensure_offline

ensure_offline()


def run(embedder, texts: list[str], busy: bool) -> dict:
    from bench.gil_probe import python_work

    stop, work = threading.Event(), [0]

    def beside() -> None:
        while not stop.is_set():
            work[0] += python_work(0.5)

    thread = threading.Thread(target=beside, daemon=True)
    if busy:
        thread.start()
    t = time.perf_counter()
    embedder.embed(texts)
    seconds = time.perf_counter() - t
    stop.set()
    if busy:
        thread.join()
    return {"passages_per_s": round(len(texts) / seconds, 1), "python_work_per_s": round(work[0] / seconds)}


def main(n: int = 1000) -> None:
    from bench.generate import passage_texts
    from stores.embeddings import Embedder

    texts = passage_texts(n + 128)
    layouts = {"one model on all cores": Embedder(workers=1), "a copy per core": Embedder()}
    for e in layouts.values():
        e.embed(texts[:128])  # loads, and starts the copies' threads
    for busy in (False, True):
        for _ in range(2):
            for name, e in layouts.items():
                print(json.dumps({"layout": name, "beside": "busy Python thread" if busy else "nothing",
                                  **run(e, texts[128:], busy)}), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
