"""Run reports: Markdown tables and a PNG chart (accuracy by kind, ours vs baseline; latencies)."""

from __future__ import annotations

from pathlib import Path

METRICS = ["accuracy", "citation_precision", "citation_recall", "abstention_precision", "abstention_recall",
           "no_citation_rate", "recall@1", "recall@3", "recall@5", "recall@10", "mrr",
           "latency_p50_ms", "latency_p95_ms", "latency_max_ms"]


def fmt(v) -> str:
    if v is None:
        return "–"
    return f"{v:.3f}" if isinstance(v, float) and v <= 1.0 else f"{v:.1f}" if isinstance(v, float) else str(v)


def write_report(run_dir: Path, summary: dict, rows: dict[str, list[dict]]) -> None:
    systems = list(summary["systems"])
    lines = [f"# Eval run {summary['created']} ({summary['mode']} mode)", "",
             f"Question set: `{summary['qa']}`, {summary['questions']} questions.", "",
             "## Overall", "", "| metric | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    for m in METRICS:
        lines.append(f"| {m} | " + " | ".join(fmt(summary["systems"][s]["overall"].get(m)) for s in systems) + " |")
    if "baseline" in summary["systems"]:
        a = summary["systems"]["tipkg"]["overall"]["accuracy"] or 0
        b = summary["systems"]["baseline"]["overall"]["accuracy"] or 0
        lines += ["", f"Accuracy ratio tipkg / baseline: {a / b:.2f}" if b else "Baseline accuracy is 0."]
    lines += ["", "## Accuracy by kind", "", "| kind | n | " + " | ".join(systems) + " |", "|---|---|" + "---|" * len(systems)]
    for kind, block in summary["systems"]["tipkg"]["by_kind"].items():
        lines.append(f"| {kind} | {block['n']} | " + " | ".join(
            fmt(summary["systems"][s]["by_kind"][kind]["accuracy"]) for s in systems) + " |")
    lines += ["", "## Failures (tipkg)", ""]
    for r in rows["tipkg"]:
        if not r["correct"]:
            lines.append(f"- **{r['id']}** ({r['kind']}) {r['question']}  \n  → {'[abstained] ' if r['abstained'] else ''}"
                         f"{r['answer'][:300]}")
    lines += ["", "![chart](chart.png)", ""]
    (run_dir / "report.md").write_text("\n".join(lines))
    _chart(run_dir, summary, rows)


def _chart(run_dir: Path, summary: dict, rows: dict[str, list[dict]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = list(summary["systems"]["tipkg"]["by_kind"])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.8 / len(summary["systems"])
    for k, (name, s) in enumerate(summary["systems"].items()):
        vals = [s["by_kind"][kind]["accuracy"] or 0 for kind in kinds]
        ax1.bar([i + k * width for i in range(len(kinds))], vals, width, label=name)
        ax2.hist([r["latency_ms"] for r in rows[name] if r["latency_ms"] is not None], bins=30, alpha=0.6, label=name)
    ax1.set_xticks([i + width / 2 for i in range(len(kinds))], kinds, rotation=30)
    ax1.set_ylim(0, 1)
    ax1.set_title("Answer accuracy by kind")
    ax1.legend()
    ax2.set_title("Latency per question (ms)")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(run_dir / "chart.png", dpi=90)
    plt.close(fig)
