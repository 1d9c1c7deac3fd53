"""Warm default-mode `ask` latency on the default corpus, reranker on and off side by side, measured on
the scratch store `make eval` left behind (no ingest): `python -m bench.warm_default [set ...]`.

The same measure as `make bench`'s default-corpus section, for a quick re-check after a reader change;
the questions are the named sets' (default: dev and default_blind), asked twice after a warm-up pass."""

from __future__ import annotations

import json
import sys

from bench.run import warm_latency
from evals.dataset import load_qa
from evals.suites import DATASETS, SUITES, scratch_settings
from kg import server
from kg.settings import Settings
from retrieval.agent import Agent


def main(sets: list[str]) -> dict:
    settings = scratch_settings(Settings(), SUITES[0])
    server.start(settings)
    try:
        qs = [q.question for s in sets for q in load_qa(DATASETS / f"{s}.jsonl")]
        on = Agent(settings)
        result = {"questions": len(qs), "sets": sets, "reranker_on": None, "reranker_off": None}
        result["reranker_off"] = warm_latency(Agent(settings.model_copy(update={"reranker": False}),
                                                    embedder=on.embedder), qs)
        result["reranker_on"] = warm_latency(on, qs)
        result["p95_ratio_on_off"] = round(result["reranker_on"]["p95_ms"] / result["reranker_off"]["p95_ms"], 2)
    finally:
        server.stop(settings)
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:] or ["dev", "default_blind"]), indent=1))
