"""`tipkg eval` in LLM mode on the real stores, with a scripted chat model handed in (no weights): the
LLM latency fields, accuracy, abstention and citation precision are filled, and the summary table
shows the default and the LLM run of one set side by side."""

from __future__ import annotations

import json

from evals.runner import run_modes
from evals.suites import summary_table
from tests.scripted_llm import ScriptedChatModel, copy_line

QUESTIONS = [
    {"id": "q1", "kind": "fact", "question": "How many government-affiliated Cuban workers were abroad by the end "
     "of 2023?", "must": [["22,000"]], "sources": ["000"]},
    {"id": "q2", "kind": "hero", "question": "Which organization does Marijana Savic run?", "must": [["Atina"]],
     "sources": ["003"]},
    {"id": "q3", "kind": "unanswerable", "question": "What is the capital of France?", "must": [], "sources": []},
]
NEEDLES = {"Cuban workers": "22,000", "Marijana Savic": "Atina"}
DELAY_S = 0.05  # the scripted model's wait before its first token


def columns(table: str, name: str) -> list[str]:
    row = next(line for line in table.splitlines() if line.startswith(f"| {name} |"))
    return [c.strip() for c in row.strip("|").split("|")]


def test_eval_runs_llm_mode_beside_default_mode(built_corpus, tmp_path):
    settings, _ = built_corpus
    qa = tmp_path / "mini.jsonl"
    qa.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n")
    model = ScriptedChatModel(script=copy_line(NEEDLES), first_token_delay_s=DELAY_S)

    results = run_modes(settings, qa, ("default", "llm"), out=tmp_path / "runs", chat_model=model)

    assert list(results) == ["mini (default)", "mini (llm)"]
    default = results["mini (default)"]["systems"]["tipkg"]["overall"]
    llm = results["mini (llm)"]["systems"]["tipkg"]["overall"]
    assert "baseline" in results["mini (default)"]["systems"] and "baseline" not in results["mini (llm)"]["systems"]
    # the model was asked the two answerable questions; the refusal was decided in code, before it
    assert llm["llm_first_token_asked"] == llm["llm_total_asked"] == 2
    assert llm["llm_first_token_p50_ms"] >= DELAY_S * 1000 and llm["llm_first_token_p95_ms"] >= DELAY_S * 1000
    assert llm["llm_total_p50_ms"] >= llm["llm_first_token_p50_ms"]
    assert llm["llm_total_p95_ms"] >= llm["llm_first_token_p95_ms"]
    assert llm["accuracy"] == 1.0 and llm["citation_precision"] == 1.0
    assert llm["abstention_precision"] == 1.0 and llm["abstention_recall"] == 1.0
    assert default["llm_first_token_asked"] == 0 and default["llm_first_token_p50_ms"] is None
    assert default["accuracy"] is not None and default["citation_precision"] is not None

    rows = [json.loads(line) for line in (tmp_path / "runs" / "llm" / "results.jsonl").read_text().splitlines()]
    outcome = {r["id"]: r["llm_outcome"] for r in rows}
    assert outcome == {"q1": "answered", "q2": "answered", "q3": None}, rows
    # the answers are the model's (its copied evidence line), checked and cited
    answers = {r["id"]: r["answer"] for r in rows}
    assert "22,000" in answers["q1"] and "Atina" in answers["q2"]
    assert sum("Question: How many government-affiliated Cuban workers" in p for p in model.prompts) == 1

    table = summary_table(results)
    d, m = columns(table, "mini (default)"), columns(table, "mini (llm)")
    head = columns(table, "set")
    asked, first, total = head.index("LLM asked"), head.index("1st token p50/p95 ms"), head.index(
        "LLM total p50/p95 ms")
    assert (d[asked], d[first], d[total]) == ("0", "–/–", "–/–")
    assert m[asked] == "2" and all(v.isdigit() for v in m[first].split("/") + m[total].split("/")), m
    assert m[head.index("accuracy tipkg")] == "1.000" and m[head.index("abst. precision")] == "1.000"
    assert m[head.index("citation precision")] == "1.000"


def test_cli_eval_mode_both_prints_default_and_llm_side_by_side(built_corpus, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from retrieval import llm
    from tests.conftest import cli_env
    from ui.cli import app

    settings, _ = built_corpus
    qa = tmp_path / "mini.jsonl"
    qa.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n")
    args = ["eval", "--qa", str(qa), "--mode", "both", "--no-baseline", "--out", str(tmp_path / "runs")]

    # without a provider it stops before any question is asked, default mode's included
    none = CliRunner().invoke(app, args, env=cli_env(settings, TIPKG_LLM_PROVIDER="none"))
    assert none.exit_code == 1 and "LLM mode needs a provider" in none.stderr
    assert not (tmp_path / "runs").exists()

    monkeypatch.setattr(llm, "make_chat_model", lambda s: ScriptedChatModel(script=copy_line(NEEDLES)))
    result = CliRunner().invoke(app, args, env=cli_env(settings, TIPKG_LLM_PROVIDER="openai", COLUMNS="400"))
    assert result.exit_code == 0, result.output
    head = columns(result.stdout, "set")
    d, m = columns(result.stdout, "mini (default)"), columns(result.stdout, "mini (llm)")
    asked = head.index("LLM asked")
    assert (d[asked], m[asked]) == ("0", "2") and m[head.index("accuracy tipkg")] == "1.000"
    for mode in ("default", "llm"):
        assert f"mini ({mode}): {tmp_path / 'runs' / mode / 'report.md'}" in result.stdout
        assert json.loads((tmp_path / "runs" / mode / "summary.json").read_text())["mode"] == mode
