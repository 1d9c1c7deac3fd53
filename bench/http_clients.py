"""`python -m bench.http_clients URL ASKERS EACH QUESTIONS.json`: concurrent askers of a running UI over its
Gradio HTTP API, in a process of their own (a browser is never inside the server's process; clients in
it would take the server's GIL and be counted as its cost). Each asker connects once before the clock
starts, as a browser loads the page once, then asks its questions one after another. Prints one JSON
line: per-request milliseconds, errors, wall seconds."""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def main(url: str, askers: int, each: int, questions: list[str]) -> dict:
    from gradio_client import Client

    with ThreadPoolExecutor(askers) as pool:
        clients = list(pool.map(lambda _: Client(url, verbose=False), range(askers)))
    start = threading.Barrier(askers + 1)

    def asker(k: int) -> tuple[list[float], int]:
        times, errors = [], 0
        start.wait()
        for i in range(each):
            q = questions[(k * 7 + i) % len(questions)]
            t = time.perf_counter()
            try:
                result = clients[k].predict(q, "default", api_name="/ask")
                errors += "answer-box" not in str(result[0])
            except Exception:  # noqa: BLE001 - counted, not raised
                errors += 1
            times.append((time.perf_counter() - t) * 1000)
        return times, errors

    with ThreadPoolExecutor(askers) as pool:
        futures = [pool.submit(asker, k) for k in range(askers)]
        start.wait()
        t = time.perf_counter()
        res = [f.result() for f in futures]
        wall = time.perf_counter() - t
    for c in clients:
        c.close()
    return {"times_ms": [x for r in res for x in r[0]], "errors": sum(r[1] for r in res), "wall_s": wall}


if __name__ == "__main__":
    url, askers, each, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(path) as fh:
        qs = json.load(fh)
    print(json.dumps(main(url, askers, each, qs)))
