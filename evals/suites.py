"""`make eval`: every question set, each on the corpus it was written for, in a scratch store.

A suite is a corpus (folders to ingest) and the question sets written against it. Each suite is
ingested into its own Neo4j instance and Chroma folder under `<home>/eval-store` (never the user's
graph: Community has one user database, so "scratch database" means a scratch server on other
ports), and every set runs through tipkg and the naive baseline side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from kg.settings import PROJECT_ROOT, Settings

DATASETS = PROJECT_ROOT / "evals" / "datasets"


@dataclass(frozen=True)
class Suite:
    name: str
    corpus: tuple[Path, ...]
    sets: tuple[str, ...]


SUITES = (
    Suite("default", (PROJECT_ROOT / "data" / "corpus",), ("dev", "holdout", "paraphrase", "default_blind")),
    Suite("chapters", (PROJECT_ROOT / "data" / "corpus", PROJECT_ROOT / "data" / "chapters"),
          ("chapters", "chapters_blind", "chapters_blind_c", "chapters_blind_d",
           "chapters_blind_e")),
)


def scratch_settings(settings: Settings, suite: Suite) -> Settings:
    """A private Neo4j + Chroma for one suite: its own home and ports, the user's stores untouched."""
    home = settings.home / "eval-store" / suite.name
    update = {
        "home": home,
        "chroma_path": home / "chroma",
        "chroma_collection": f"tipkg_eval_{suite.name}",
        # each suite its own ports too, so a developer can keep both scratch servers up side by side
        "bolt_port": settings.eval_bolt_port + 10 * SUITES.index(suite),
        "http_port": settings.eval_http_port + 10 * SUITES.index(suite),
        "neo4j_uri": None,
        "neo4j_password": None,
        "neo4j_heap": "768m",
        "neo4j_pagecache": "128m",
    }
    return settings.model_copy(update=update)


def run_suites(settings: Settings, sets: list[str] | None = None, mode: str = "default",
               console: Console | None = None, out_root: Path | None = None, reingest: bool = True,
               limit: int | None = None, baseline: bool = True, chat_model=None) -> dict[str, dict]:
    """Run the named sets (default: all), grouped by suite; returns {set: summary}, or with
    `mode="both"` {"set (default)": ..., "set (llm)": ...}, each set through both modes on the same
    store. `reingest=False` answers from the suite's scratch store as the last run left it (a
    developer's quick re-run); `limit` takes each set's first N questions (LLM mode is slow here);
    `chat_model` answers in LLM mode instead of the configured provider's (see run_eval)."""
    from evals.runner import check_llm, run_modes
    from ingest.build import run_ingest
    from kg import server
    from kg.driver import Graph
    from kg.writes import delete_everything

    check_llm(settings, ("default", "llm") if mode == "both" else (mode,), chat_model)
    console = console or Console()
    wanted = set(sets) if sets else {s for suite in SUITES for s in suite.sets}
    unknown = wanted - {s for suite in SUITES for s in suite.sets}
    if unknown:
        raise ValueError(f"unknown question set(s): {', '.join(sorted(unknown))}")
    results: dict[str, dict] = {}
    for suite in SUITES:
        todo = [s for s in suite.sets if s in wanted]
        if not todo:
            continue
        ss = scratch_settings(settings, suite)
        server.install(ss)
        server.start(ss)
        try:
            if reingest or not (ss.chroma_dir / "chroma.sqlite3").exists():
                with Graph(ss) as g:
                    delete_everything(g)
                console.print(f"[bold]{suite.name}[/]: ingesting {', '.join(p.name for p in suite.corpus)} "
                              f"into the scratch store")
                run_ingest(ss, list(suite.corpus), tiers_csv=ss.tiers_csv, console=Console(quiet=True))
            modes = ("default", "llm") if mode == "both" else (mode,)
            for name in todo:
                ran = run_modes(ss, DATASETS / f"{name}.jsonl", modes, out=out_root / name if out_root else None,
                                with_baseline=baseline, console=console, limit=limit, chat_model=chat_model,
                                name=name)
                results.update(ran if mode == "both" else {name: ran[f"{name} ({mode})"]})
        finally:
            server.stop(ss)
            from retrieval import llm_server

            llm_server.stop(ss)  # LLM mode started the local model's server under this suite's home
    return results


def summary_table(results: dict[str, dict]) -> str:
    """One line per set: tipkg beside the baseline, strict and facts-only accuracy, refusals."""
    head = ("| set | n | accuracy tipkg | baseline | facts-only tipkg | abst. precision | abst. recall | "
            "citation precision | p50 ms | p95 ms | LLM asked | 1st token p50/p95 ms | LLM total p50/p95 ms |")
    lines = [head, "|" + "---|" * 13]

    def f(v):
        return "–" if v is None else f"{v:.3f}" if isinstance(v, float) and v <= 1 else f"{v:.0f}"

    for name, s in results.items():
        t, b = s["systems"]["tipkg"]["overall"], s["systems"].get("baseline", {}).get("overall", {})
        lines.append(f"| {name} | {t['n']} | {f(t['accuracy'])} | {f(b.get('accuracy'))} | "
                     f"{f(t.get('facts_accuracy'))} | {f(t['abstention_precision'])} | {f(t['abstention_recall'])} | "
                     f"{f(t['citation_precision'])} | {f(t['latency_p50_ms'])} | {f(t['latency_p95_ms'])} | "
                     f"{t.get('llm_total_asked', 0)} | {f(t.get('llm_first_token_p50_ms'))}/"
                     f"{f(t.get('llm_first_token_p95_ms'))} | {f(t.get('llm_total_p50_ms'))}/"
                     f"{f(t.get('llm_total_p95_ms'))} |")
    return "\n".join(lines)
