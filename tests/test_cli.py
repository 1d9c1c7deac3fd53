"""The CLI's contract: `tipkg ask --json --batch` writes one JSON object per question, in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_ask_batch_jsonl(built_corpus, tmp_path):
    settings, _ = built_corpus
    qa = tmp_path / "q.jsonl"
    qa.write_text("\n".join(json.dumps(x) for x in [
        {"id": "a", "question": "What tier is Burma?"},
        {"id": "b", "question": "What did Elon Musk say about the report?"},
        {"question": ""},
    ]) + "\n")
    env = dict(os.environ, NEO4J_URI=settings.bolt_uri, NEO4J_USER=settings.neo4j_user,
               NEO4J_PASSWORD=settings.password(), TIPKG_CHROMA_PATH=str(settings.chroma_dir),
               TIPKG_CHROMA_COLLECTION=settings.chroma_collection)
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "--json", "--batch", str(qa)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert [r["id"] for r in rows] == ["a", "b", None]
    for r in rows:
        assert {"id", "question", "answer", "abstained", "citations", "graph_facts", "timings_ms"} <= set(r)
    assert "Tier 3" in rows[0]["answer"] and not rows[0]["abstained"]
    c = rows[0]["citations"][0]
    assert {"n", "passage_id", "document", "title", "start", "end", "quote"} <= set(c)
    assert rows[1]["abstained"] and rows[2]["abstained"] and "empty" in rows[2]["answer"]


def test_ask_human_output_and_bad_batch(built_corpus, tmp_path):
    settings, _ = built_corpus
    env = dict(os.environ, NEO4J_URI=settings.bolt_uri, NEO4J_USER=settings.neo4j_user,
               NEO4J_PASSWORD=settings.password(), TIPKG_CHROMA_PATH=str(settings.chroma_dir),
               TIPKG_CHROMA_COLLECTION=settings.chroma_collection)
    ok = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "Who leads SICARcat?"], capture_output=True,
                        text=True, env=env, timeout=300)
    assert ok.returncode == 0 and "Rosa Cendón" in ok.stdout and "[1]" in ok.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "--batch", str(bad)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 1 and "bad.jsonl:1: not JSON" in proc.stderr


def test_bad_settings_are_named_without_a_traceback():
    for var, value, says in [("TIPKG_CHROMA_COLLECTION", "x", "3-512 letters"),
                             ("TIPKG_UI_PORT", "abc", "valid integer")]:
        proc = subprocess.run([sys.executable, "-m", "ui.cli", "urls"], capture_output=True, text=True,
                              env=dict(os.environ, **{var: value}), timeout=120)
        assert proc.returncode == 2
        assert f"{var}={value!r}" in proc.stderr and says in proc.stderr
        assert "Traceback" not in proc.stderr + proc.stdout


def test_a_secret_setting_is_named_but_its_value_never_shown():
    from ui.cli import _setting_problem

    for name in ("NEO4J_PASSWORD", "neo4j_password", "llm_api_key"):
        line = _setting_problem({"loc": (name,), "input": "hunter2", "msg": "bad"})
        assert "hunter2" not in line and line.endswith(": bad")
    assert _setting_problem({"loc": ("ui_port",), "input": "abc", "msg": "bad"}) == "TIPKG_UI_PORT='abc': bad"
