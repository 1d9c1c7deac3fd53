"""`tipkg eval compare A B`: per-metric deltas and the questions that flipped."""

from __future__ import annotations

from pathlib import Path

from evals.report import METRICS, fmt
from evals.runner import load_run


def compare_runs(run_a: Path, run_b: Path, system: str = "tipkg") -> str:
    sa, ra = load_run(run_a)
    sb, rb = load_run(run_b)
    oa, ob = sa["systems"][system]["overall"], sb["systems"][system]["overall"]
    lines = [f"{system}: {run_a} → {run_b}", "", f"{'metric':24} {'A':>8} {'B':>8} {'delta':>8}"]
    for m in METRICS:
        a, b = oa.get(m), ob.get(m)
        delta = f"{b - a:+.3f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) else "–"
        lines.append(f"{m:24} {fmt(a):>8} {fmt(b):>8} {delta:>8}")
    by_a = {r["id"]: r for r in ra if r["system"] == system}
    by_b = {r["id"]: r for r in rb if r["system"] == system}
    flips = [(i, by_a[i]["correct"], by_b[i]["correct"]) for i in by_a if i in by_b and by_a[i]["correct"] != by_b[i]["correct"]]
    lines += ["", f"flipped: {len(flips)}"]
    for i, a, _ in flips:
        lines.append(f"  {i}: {'right→wrong' if a else 'wrong→right'}  {by_b[i]['question']}")
    return "\n".join(lines)
