"""The project's own Neo4j: install, password, start/stop/status, idempotent start, read-only CLI."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from neo4j.exceptions import ClientError

from kg import server
from kg.driver import Graph, Neo4jUnavailable, QueryRefused
from kg.settings import Settings
from tests.conftest import TEST_HOME, make_settings


def test_generated_password_is_private_and_not_default(neo4j_settings):
    if not neo4j_settings.managed_neo4j:
        pytest.skip("external test Neo4j: no generated password")
    pw_file = neo4j_settings.password_file
    mode = stat.S_IMODE(pw_file.stat().st_mode)
    assert mode == 0o600
    password = pw_file.read_text().strip()
    assert len(password) >= 16 and password not in ("neo4j", "password")


def test_status_and_idempotent_start(neo4j_settings):
    if not neo4j_settings.managed_neo4j:
        pytest.skip("external test Neo4j")
    before = server.status(neo4j_settings)
    assert before.running and before.pid
    again = server.start(neo4j_settings)  # already running: must not spawn a second server
    assert again.pid == before.pid


def test_conf_binds_localhost_with_auth(neo4j_settings):
    if not neo4j_settings.managed_neo4j:
        pytest.skip("external test Neo4j")
    conf = (neo4j_settings.neo4j_home / "conf" / "neo4j.conf").read_text()
    assert f"server.bolt.listen_address=127.0.0.1:{neo4j_settings.bolt_port}" in conf
    assert "dbms.security.auth_enabled=true" in conf
    assert "server.https.enabled=false" in conf


def test_browser_is_served(neo4j_settings):
    if not neo4j_settings.managed_neo4j:
        pytest.skip("external test Neo4j")
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{neo4j_settings.http_port}/browser/", timeout=5) as resp:
        body = resp.read().decode("utf-8", "replace")
    assert resp.status == 200 and "<html" in body.lower()


def test_wrong_password_is_a_clear_error(neo4j_settings):
    bad = neo4j_settings.model_copy(update={"neo4j_password": "definitely-wrong"})
    with Graph(bad) as g, pytest.raises(Neo4jUnavailable, match="rejected the credentials"):
        g.read("RETURN 1")


def test_down_server_is_a_clear_error(tmp_path):
    s = make_settings(tmp_path, neo4j_uri="bolt://127.0.0.1:1", neo4j_password="x")
    with Graph(s) as g, pytest.raises(Neo4jUnavailable, match="not reachable"):
        g.read("RETURN 1")


def test_stale_pid_file_and_stop_when_not_running(tmp_path):
    s = make_settings(tmp_path / "h")
    run = s.neo4j_home / "run"
    run.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (run / "neo4j.pid").write_text(str(dead.pid))
    st = server.status(s)
    assert not st.running and st.pid is None
    assert not (run / "neo4j.pid").exists()
    assert server.stop(s) is False


def test_settings_env_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://example.invalid:7687")
    monkeypatch.setenv("NEO4J_USER", "alice")
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret")
    monkeypatch.setenv("TIPKG_CHROMA_HOST", "chroma.internal")
    monkeypatch.setenv("TIPKG_HOME", str(tmp_path))
    s = Settings()
    assert s.bolt_uri == "neo4j+s://example.invalid:7687" and not s.managed_neo4j
    assert s.neo4j_user == "alice" and s.password() == "s3cret"
    assert s.chroma_host == "chroma.internal" and s.home == tmp_path
    with pytest.raises(server.Neo4jServerError, match="does not manage"):
        server.start(s)


def test_password_file_is_read_when_env_absent(monkeypatch, tmp_path):
    for var in ("NEO4J_URI", "NEO4J_PASSWORD", "TIPKG_NEO4J_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    s = Settings(home=tmp_path)
    generated = server.ensure_password(s)
    assert s.password() == generated
    assert server.ensure_password(s) == generated  # stable once generated


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NEO4J_URI=settings.bolt_uri, NEO4J_USER=settings.neo4j_user,
               NEO4J_PASSWORD=settings.password(), TIPKG_HOME=str(TEST_HOME / "cli"))
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_cli_cypher_json_and_write_refusal(neo4j_settings):
    ok = _cli(neo4j_settings, "cypher", "MATCH (n) RETURN count(n) AS n", "--json")
    assert ok.returncode == 0, ok.stderr
    rows = json.loads(ok.stdout)
    assert isinstance(rows, list) and set(rows[0]) == {"n"} and isinstance(rows[0]["n"], int)
    bad = _cli(neo4j_settings, "cypher", "CREATE (:Evil {x: 1}) RETURN 1")
    assert bad.returncode == 2
    assert "refused" in bad.stderr.lower()


def test_read_transaction_refuses_writes_that_pass_the_validator(graph):
    # Even with the text check bypassed, the READ access mode makes the server refuse.
    with pytest.raises(ClientError, match="(?i)write|read"):
        graph._run("CREATE (:Evil) RETURN 1", {}, "READ")
    assert graph.read("MATCH (e:Evil) RETURN count(e) AS n")[0]["n"] == 0


def test_untrusted_write_is_refused(graph):
    with pytest.raises(QueryRefused):
        graph.run_untrusted("MATCH (n) DETACH DELETE n")


def test_password_never_written_to_logs(neo4j_settings):
    if not neo4j_settings.managed_neo4j:
        pytest.skip("external test Neo4j")
    password = neo4j_settings.password()
    for f in (neo4j_settings.neo4j_home / "logs").rglob("*"):
        if f.is_file():
            assert password not in f.read_text(errors="replace"), f


def test_generated_password_never_looks_like_an_option(tmp_path, monkeypatch):
    # neo4j-admin takes a password starting with "-" for an option and the first start fails.
    drawn = iter(["-starts-with-a-dash", "Zk3-fine_password"])
    monkeypatch.setattr(server.secrets, "token_urlsafe", lambda n: next(drawn))
    settings = Settings(home=tmp_path, neo4j_uri=None, neo4j_password=None)
    assert server.ensure_password(settings) == "Zk3-fine_password"
    assert settings.password_file.read_text().strip() == "Zk3-fine_password"
