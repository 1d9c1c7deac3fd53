"""The CLI's contract: `tipkg ask --json --batch` writes one JSON object per question, in order."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time

import pytest


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


# -- exit codes and one-line failures ----------------------------------------------------------------

PROBE_USER = "tipkg_probe"
CREATE_PROBE_USER = "CREATE OR REPLACE USER tipkg_probe SET PASSWORD $password CHANGE NOT REQUIRED"
DROP_PROBE_USER = "DROP USER tipkg_probe IF EXISTS"


def _run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ, **env), timeout=300)


def _one_clean_line(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture
def probe_user(neo4j_settings, graph):
    """A user of its own, so that wrong passwords and the rate limit they trigger never lock out the
    user every other test logs in as."""
    if not neo4j_settings.managed_neo4j:
        pytest.skip("external test Neo4j: users are not ours to create")
    with graph._driver.session(database="system") as session:
        session.run(CREATE_PROBE_USER, password=secrets.token_urlsafe(18)).consume()
    yield dict(NEO4J_URI=neo4j_settings.bolt_uri, NEO4J_USER=PROBE_USER, NEO4J_PASSWORD="wrong-password")
    with graph._driver.session(database="system") as session:
        session.run(DROP_PROBE_USER).consume()


def test_doctor_with_a_wrong_password_is_one_line(probe_user, tmp_path):
    proc = _run_cli("doctor", TIPKG_HOME=str(tmp_path), TIPKG_CHROMA_PATH=str(tmp_path / "chroma"), **probe_user)
    assert proc.returncode == 1
    assert f"rejected the credentials for user '{PROBE_USER}'" in _one_clean_line(proc)


class _WrongLogins(threading.Thread):
    """Logs in with a wrong password again and again: Neo4j locks the user for auth_lock_time after
    auth_max_failed_attempts, and the next wrong attempt after the lock locks it again."""

    def __init__(self, uri: str):
        super().__init__(daemon=True)
        self.uri, self.done = uri, threading.Event()

    def run(self):
        from neo4j import GraphDatabase
        from neo4j.exceptions import Neo4jError

        while not self.done.is_set():
            with GraphDatabase.driver(self.uri, auth=(PROBE_USER, "wrong-password")) as drv:
                try:
                    drv.verify_connectivity()
                except Neo4jError:
                    pass
            time.sleep(0.02)


@pytest.mark.parametrize("command", [["ingest", "{corpus}"], ["doctor"]])
def test_the_login_rate_limit_is_one_line(probe_user, neo4j_settings, tmp_path, command):
    from kg.driver import Graph, Neo4jUnavailable

    hammer = _WrongLogins(neo4j_settings.bolt_uri)
    hammer.start()
    try:
        bad = neo4j_settings.model_copy(update={"neo4j_user": PROBE_USER, "neo4j_password": "wrong-password",
                                                "neo4j_uri": neo4j_settings.bolt_uri})
        deadline = time.monotonic() + 30
        while True:  # until the hammer has locked the user
            with Graph(bad) as g, pytest.raises(Neo4jUnavailable) as refused:
                g.read("RETURN 1")
            if "too many wrong passwords" in str(refused.value) or time.monotonic() > deadline:
                break
        assert "AuthenticationRateLimit" in str(refused.value)
        args = [a.replace("{corpus}", str(neo4j_settings.corpus_dir)) for a in command]
        for _ in range(3):  # a run can land in the instant between a lock's end and the next one
            proc = _run_cli(*args, TIPKG_HOME=str(tmp_path), TIPKG_CHROMA_PATH=str(tmp_path / "chroma"), **probe_user)
            line = _one_clean_line(proc)
            assert proc.returncode == 1
            if "too many wrong passwords" in line:
                break
        assert "AuthenticationRateLimit" in line
    finally:
        hammer.done.set()
        hammer.join()


def test_ask_exit_codes_with_the_json_still_printed(built_corpus, tmp_path):
    settings, _ = built_corpus
    env = dict(NEO4J_URI=settings.bolt_uri, NEO4J_USER=settings.neo4j_user, NEO4J_PASSWORD=settings.password(),
               TIPKG_CHROMA_PATH=str(settings.chroma_dir), TIPKG_CHROMA_COLLECTION=settings.chroma_collection)
    empty = _run_cli("ask", "--json", "   ", **env)
    assert empty.returncode == 2
    assert json.loads(empty.stdout)["error"] and "empty" in json.loads(empty.stdout)["answer"]
    down = dict(env, NEO4J_URI="bolt://127.0.0.1:1")
    single = _run_cli("ask", "--json", "What tier is Burma?", **down)
    assert single.returncode == 1
    answer = json.loads(single.stdout)
    assert answer["abstained"] and "not reachable" in answer["error"]
    qa = tmp_path / "q.jsonl"
    qa.write_text(json.dumps({"id": "a", "question": "What tier is Burma?"}) + "\n")
    batch = _run_cli("ask", "--json", "--batch", str(qa), **down)
    assert batch.returncode == 1 and json.loads(batch.stdout)["id"] == "a"
    human = _run_cli("ask", "What tier is Burma?", **down)
    assert human.returncode == 1 and "not reachable" in human.stdout
