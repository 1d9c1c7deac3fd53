"""`tipkg eval`: run a question set through the answerer and the baseline, side by side."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from evals import metrics as M
from evals.baseline import NaiveRAG
from evals.dataset import QAItem, load_qa
from evals.report import write_report
from kg.settings import Settings

KS = (1, 3, 5, 10)


def _passage_texts(agent, ids: list[str]) -> dict[str, str]:
    ids = [i for i in ids if i]
    return {k: v["text"] for k, v in agent.tools.passages(ids).items()} if ids else {}


def score_one(item: QAItem, result: dict, texts: dict[str, str]) -> dict:
    return {
        "id": item.id, "kind": item.kind, "question": item.question,
        "answer": result["answer"], "abstained": result["abstained"],
        "correct": M.answer_correct(item, result["answer"], result["abstained"], len(result["citations"])),
        "facts_correct": M.facts_correct(item, result["answer"], result["abstained"]),
        "chars": len(result["answer"]),
        "expects_abstention": item.expects_abstention,
        "no_citation": (not result["abstained"]) and not result["citations"],
        "citation_precision": M.citation_precision(item, result["citations"], texts),
        "citation_recall": M.citation_recall(item, result["citations"]),
        "retrieval_rank": M.retrieval_ranks(item, result.get("retrieved", [])),
        "has_text_source": any(s != "tiers" for s in item.sources),
        "latency_ms": result["timings_ms"].get("total"),
        # LLM mode: time to the model's first token and the model's whole turn (absent when not asked)
        "llm_first_token_ms": result["timings_ms"].get("llm_first_token"),
        "llm_total_ms": result["timings_ms"].get("llm_total"),
        "llm_outcome": (result.get("llm") or {}).get("outcome"),
        "citations": result["citations"],
        "shape": result.get("shape"),
    }


def summarize(rows: list[dict]) -> dict:
    def block(rs: list[dict]) -> dict:
        ranks = [r["retrieval_rank"] for r in rs if r["has_text_source"] and not r["expects_abstention"]]
        out = {
            "n": len(rs),
            "accuracy": sum(r["correct"] for r in rs) / len(rs) if rs else None,
            "facts_accuracy": sum(r.get("facts_correct", r["correct"]) for r in rs) / len(rs) if rs else None,
            "no_citation_rate": sum(r["no_citation"] for r in rs) / len(rs) if rs else None,
            "citation_precision": M.mean([r["citation_precision"] for r in rs]),
            "citation_recall": M.mean([r["citation_recall"] for r in rs]),
            "mrr": M.mrr(ranks),
            **{f"recall@{k}": M.recall_at(ranks, k) for k in KS},
            **M.abstention_scores([r["expects_abstention"] for r in rs], [r["abstained"] for r in rs]),
        }
        lat = M.percentiles([r["latency_ms"] for r in rs if r["latency_ms"] is not None])
        out.update({f"latency_{k}_ms": v for k, v in lat.items()})
        for key in ("llm_first_token", "llm_total"):
            vals = [r[f"{key}_ms"] for r in rs if r.get(f"{key}_ms") is not None]
            out[f"{key}_asked"] = len(vals)  # questions the model was asked (refusals and tables are not)
            out.update({f"{key}_{k}_ms": v for k, v in M.percentiles(vals).items()})
        return out

    kinds = sorted({r["kind"] for r in rows})
    return {"overall": block(rows), "by_kind": {k: block([r for r in rows if r["kind"] == k]) for k in kinds}}


def check_llm(settings: Settings, modes: tuple[str, ...], chat_model=None) -> None:
    """Fail before any question is asked when LLM mode is wanted and nothing can answer in it."""
    if "llm" in modes and settings.llm_provider == "none" and chat_model is None:
        raise ValueError("LLM mode needs a provider: set TIPKG_LLM_PROVIDER (llamacpp, ollama or openai)")


def run_eval(settings: Settings, qa: Path, mode: str = "default", out: Path | None = None,
             with_baseline: bool = True, console: Console | None = None, agent=None, limit: int | None = None,
             chat_model=None) -> Path:
    """One question set through one mode (and the baseline). `chat_model`, any LangChain chat model,
    answers in LLM mode instead of the configured provider's (tests hand in a scripted one)."""
    from retrieval.agent import Agent

    if getattr(agent, "llm", None) is None:
        check_llm(settings, (mode,), chat_model)
    console = console or Console(quiet=True)
    items = load_qa(qa)[:limit] if limit else load_qa(qa)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    run_dir = Path(out) if out else settings.runs_dir / f"{stamp}-{mode}"
    run_dir.mkdir(parents=True, exist_ok=True)
    own_agent = agent is None
    agent = agent or Agent(settings, mode=mode, chat_model=chat_model if mode == "llm" else None)
    agent.ensure()
    baseline = NaiveRAG(agent.store, agent.embedder, agent.tools) if with_baseline else None
    systems = {"tipkg": agent, **({"baseline": baseline} if baseline else {})}
    rows: dict[str, list[dict]] = {name: [] for name in systems}
    agent.ask("warm-up question about the report")  # first call loads models; keep it out of latency
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        # The count is of answers: each question is asked of tipkg and of the baseline.
        task = progress.add_task(f"{qa.name}: answers from {' and '.join(systems)}", total=len(items) * len(systems))
        for item in items:
            for name, system in systems.items():
                result = system.ask(item.question).model_dump(mode="json")
                texts = _passage_texts(agent, [c.get("passage_id") for c in result["citations"]])
                rows[name].append(score_one(item, result, texts))
                progress.advance(task)
    summary = {
        "qa": str(qa), "mode": mode, "created": stamp, "questions": len(items),
        "systems": {name: summarize(rs) for name, rs in rows.items()},
    }
    with (run_dir / "results.jsonl").open("w") as fh:
        for name, rs in rows.items():
            for r in rs:
                fh.write(json.dumps({"system": name, **r}, ensure_ascii=False) + "\n")
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    write_report(run_dir, summary, rows)
    if own_agent:
        agent.close()
    o = summary["systems"]["tipkg"]["overall"]
    console.print(f"tipkg accuracy {o['accuracy']:.3f} over {len(items)} questions" + (
        f"; baseline {summary['systems']['baseline']['overall']['accuracy']:.3f}" if baseline else ""))
    return run_dir


def run_modes(settings: Settings, qa: Path, modes: tuple[str, ...] = ("default", "llm"), out: Path | None = None,
              with_baseline: bool = True, console: Console | None = None, limit: int | None = None,
              chat_model=None, name: str | None = None) -> dict[str, dict]:
    """One question set through each mode on the same store: {"<name> (<mode>)": summary}, each summary
    with its run_dir (under `out`/<mode> when `out` is given). The baseline does not depend on the mode:
    it runs with the first mode only. `summary_table` (evals/suites.py) prints them side by side."""
    check_llm(settings, modes, chat_model)
    name = name or Path(qa).stem
    results: dict[str, dict] = {}
    for m in modes:
        run_dir = run_eval(settings, qa, mode=m, out=Path(out) / m if out else None, console=console, limit=limit,
                           with_baseline=with_baseline and m == modes[0], chat_model=chat_model)
        results[f"{name} ({m})"] = {**json.loads((run_dir / "summary.json").read_text()), "run_dir": str(run_dir)}
    return results


def load_run(run_dir: Path) -> tuple[dict, list[dict]]:
    run_dir = Path(run_dir)
    summary_file = run_dir / "summary.json"
    if not summary_file.exists():
        raise FileNotFoundError(f"{run_dir}: not an eval run (no summary.json)")
    rows = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines() if line.strip()]
    return json.loads(summary_file.read_text()), rows
