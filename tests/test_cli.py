"""The CLI's contract: `tipkg ask --json --batch` writes one JSON object per question, in order."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import cli_env


def test_ask_batch_jsonl(built_corpus, tmp_path):
    settings, _ = built_corpus
    qa = tmp_path / "q.jsonl"
    qa.write_text("\n".join(json.dumps(x) for x in [
        {"id": "a", "question": "What tier is Burma?"},
        {"id": "b", "question": "What did Elon Musk say about the report?"},
        {"question": ""},
    ]) + "\n")
    env = cli_env(settings)
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
    env = cli_env(settings)
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
    arabic = _run_cli("ask", "--json", "ما هو تصنيف ميانمار في التقرير؟", **env)
    assert arabic.returncode == 2
    assert json.loads(arabic.stdout)["error"] and "sources are in English" in json.loads(arabic.stdout)["answer"]
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


def test_doctor_on_an_unreadable_index_says_so_and_repair_rebuilds_it(built_corpus, tmp_path):
    settings, _ = built_corpus
    chroma = tmp_path / "chroma"
    chroma.mkdir()
    garbage = os.urandom(20_000)
    (chroma / "chroma.sqlite3").write_bytes(garbage)
    env = dict(NEO4J_URI=settings.bolt_uri, NEO4J_USER=settings.neo4j_user, NEO4J_PASSWORD=settings.password(),
               TIPKG_HOME=str(tmp_path), TIPKG_CHROMA_PATH=str(chroma),
               TIPKG_CHROMA_COLLECTION=settings.chroma_collection)
    check = _run_cli("doctor", **env)
    assert check.returncode == 1
    line = _one_clean_line(check)
    assert "unreadable" in line and "doctor --repair" in line
    assert (chroma / "chroma.sqlite3").read_bytes() == garbage  # a check touches nothing

    repair = _run_cli("doctor", "--repair", **env)
    assert repair.returncode == 0, repair.stderr
    assert "Traceback" not in repair.stdout + repair.stderr
    (aside,) = tmp_path.glob("chroma.unreadable-*")
    assert (aside / "chroma.sqlite3").read_bytes() == garbage  # set aside, not deleted
    again = _run_cli("doctor", **env)
    assert again.returncode == 0 and "graph and vector index agree" in again.stdout
    counts = re.search(r"graph passages: (\d+)\s+vectors: (\d+)", again.stdout)
    assert counts and int(counts[1]) == int(counts[2]) > 0


def test_doctor_on_a_missing_index_says_so_and_creates_nothing(built_corpus, tmp_path):
    settings, _ = built_corpus
    missing = tmp_path / "no-chroma-here"
    check = _run_cli("doctor", **{**cli_env(settings), "TIPKG_CHROMA_PATH": str(missing)})
    assert check.returncode == 1
    line = _one_clean_line(check)
    assert f"no vector index at {missing}" in line and "tipkg ingest" in line and "doctor --repair" in line
    assert not missing.exists()


def test_a_ui_beyond_loopback_needs_a_login(tmp_path):
    from kg.settings import Settings, is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.8.0.1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("example.org")
    with pytest.raises(ValueError, match="TIPKG_UI_AUTH"):
        Settings(ui_host="0.0.0.0").ui_auth_pair()
    with pytest.raises(ValueError, match="user:password"):
        Settings(ui_host="0.0.0.0", ui_auth="nopassword").ui_auth_pair()
    assert Settings(ui_host="0.0.0.0", ui_auth="ana:s3cret").ui_auth_pair() == ("ana", "s3cret")
    assert Settings().ui_auth_pair() is None
    proc = _run_cli("ui", "--host", "0.0.0.0", "--port", "1", TIPKG_HOME=str(tmp_path))
    assert proc.returncode == 2
    assert "TIPKG_UI_AUTH" in _one_clean_line(proc)


def test_the_answer_badge_tells_a_failure_from_an_abstention():
    from retrieval.abstain import Reason, abstain
    from retrieval.models import Answer
    from ui.citing import answer_html

    down = abstain("What tier is Burma?", Reason.ERROR, "The knowledge graph is unavailable: refused",
                   shape="error", error="refused")
    empty = abstain("", Reason.INVALID_QUESTION, "The question is empty.", shape="invalid", error="empty")
    unsaid = abstain("Who won?", Reason.WEAK_EVIDENCE, "The sources don't say who won.")
    said = Answer(question="q", answer="Burma is Tier 3 [1].", abstained=False)
    assert "Error: no answer" in answer_html(down) and "answer-box failed" in answer_html(down)
    assert "Check the question" in answer_html(empty)
    assert "The sources don&#x27;t say<" in answer_html(unsaid) and "failed" not in answer_html(unsaid)
    assert ">Answer<" in answer_html(said)
