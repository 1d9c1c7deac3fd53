"""The dev set through the real stores: accuracy must not regress; the run writes its reports."""

from __future__ import annotations

import json

from evals.compare import compare_runs
from evals.runner import run_eval
from kg.settings import PROJECT_ROOT

DEV = PROJECT_ROOT / "evals" / "datasets" / "dev.jsonl"
# Measured with `make eval` on the default corpus: 0.989 (88/89) in default mode.
# A few points of margin for harmless wording changes; a real regression drops well below.
ACCURACY_FLOOR = 0.94


def test_dev_set_accuracy_and_reports(built_corpus, agent, tmp_path):
    settings, _ = built_corpus
    run = run_eval(settings, DEV, out=tmp_path / "run", agent=agent)
    summary = json.loads((run / "summary.json").read_text())
    ours = summary["systems"]["tipkg"]["overall"]
    base = summary["systems"]["baseline"]["overall"]
    assert ours["accuracy"] >= ACCURACY_FLOOR, ours
    assert ours["accuracy"] > base["accuracy"]
    assert ours["abstention_recall"] >= 0.9 and ours["no_citation_rate"] == 0.0
    for f in ("results.jsonl", "report.md", "chart.png"):
        assert (run / f).stat().st_size > 0
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 2 * summary["questions"]
    assert "unanswerable" in summary["systems"]["tipkg"]["by_kind"]

    # compare: a run against itself has no deltas and no flips
    text = compare_runs(run, run)
    assert "flipped: 0" in text and "+0.000" in text


def test_a_shipped_set_in_its_scratch_store_without_the_baseline(neo4j_settings, tmp_path):
    """`tipkg eval --set NAME --limit N --no-baseline`: the set's own scratch store, its first N questions,
    tipkg alone (the flag used to be ignored with --set and --all)."""
    from evals.suites import run_suites, summary_table
    from tests.conftest import free_port

    # ports of its own: a developer's `make eval` may hold the default scratch ports meanwhile
    settings = neo4j_settings.model_copy(update={"home": tmp_path / "home", "eval_bolt_port": free_port(),
                                                 "eval_http_port": free_port()})
    results = run_suites(settings, sets=["default_blind"], limit=2, baseline=False, out_root=tmp_path / "runs")
    s = results["default_blind"]
    assert s["questions"] == 2 and set(s["systems"]) == {"tipkg"}
    rows = [json.loads(line) for line in (tmp_path / "runs" / "default_blind" / "default" / "results.jsonl")
            .read_text().splitlines()]
    assert len(rows) == 2 and {r["system"] for r in rows} == {"tipkg"}
    assert "| default_blind | 2 |" in summary_table(results)
