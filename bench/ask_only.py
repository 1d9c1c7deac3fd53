"""Re-measure warm default-mode `ask` latency on the graph and collection a `make bench` run left
behind at one size, without ingesting again: `python -m bench.ask_only 100000`."""

from __future__ import annotations

import json
import statistics
import sys
import time

from bench.generate import questions
from bench.run import bench_settings
from kg import server
from retrieval.agent import Agent


def main(size: int) -> dict:
    settings = bench_settings()
    server.start(settings)
    try:
        agent = Agent(settings.model_copy(update={"chroma_collection": f"bench_{size}"}))
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
        agent.close()
    finally:
        server.stop(settings)
    lat.sort()
    return {"size": size, "agent_startup_s": round(startup, 2), "n": len(lat), "errors": errors,
            "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(lat[int(round(0.95 * (len(lat) - 1)))], 1),
            "max_ms": round(lat[-1], 1)}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
