"""Re-measure warm default-mode `ask` latency on the graph and collection a `make bench` run left
behind at one size, without ingesting again: `python -m bench.ask_only 100000`."""

from __future__ import annotations

import json
import sys

from bench.run import bench_settings
from bench.scale_one import measure_ask
from kg import server
from retrieval.agent import Agent


def main(size: int) -> dict:
    settings = bench_settings()
    server.start(settings)
    try:
        agent = Agent(settings.model_copy(update={"chroma_collection": f"bench_{size}"}))
        result = {"size": size, **measure_ask(agent)}
        agent.close()
    finally:
        server.stop(settings)
    return result


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
