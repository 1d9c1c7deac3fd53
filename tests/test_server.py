"""The project's own Neo4j: install, password, start/stop/status, idempotent start, read-only CLI."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from neo4j.exceptions import ClientError

from kg import server
from kg.driver import Graph, Neo4jUnavailable, QueryRefused
from kg.settings import Settings
from tests.conftest import TEST_HOME, free_port, make_settings


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


# -- a fresh server: the password never on a command line, private files, why a start failed -----------

CREATE_ROLE = "CREATE ROLE tipkg_probe_role"


class _CommandLines(threading.Thread):
    """Records every command line any descendant of this process has while it runs (re-read each
    round: a forked child shows its parent's until it execs)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.seen: set[bytes] = set()
        self.done = threading.Event()
        self._parent: dict[int, int] = {}

    def _ppid(self, pid: int) -> int | None:
        if pid not in self._parent:
            try:
                self._parent[pid] = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                return None
        return self._parent[pid]

    def _descends(self, pid: int) -> bool:
        me = os.getpid()
        for _ in range(20):
            pid = self._ppid(pid)
            if pid is None or pid <= 1:
                return False
            if pid == me:
                return True
        return False

    def run(self):
        while not self.done.is_set():
            for entry in os.listdir("/proc"):
                if entry.isdigit() and self._descends(int(entry)):
                    try:
                        self.seen.add(Path(f"/proc/{entry}/cmdline").read_bytes())
                    except OSError:
                        pass
            time.sleep(0.01)


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory):
    """A Neo4j started from nothing through the project's code, with every command line it ran."""
    if os.environ.get("TIPKG_TEST_NEO4J_URI"):
        pytest.skip("external test Neo4j: the project starts no server")
    settings = make_settings(tmp_path_factory.mktemp("fresh"), neo4j_uri=None, neo4j_password=None,
                             bolt_port=free_port(), http_port=free_port(), neo4j_heap="512m",
                             neo4j_pagecache="64m")
    watcher = _CommandLines()
    watcher.start()
    try:
        server.start(settings)
    finally:
        watcher.done.set()
        watcher.join()
    yield settings, watcher.seen
    server.stop(settings)


def test_the_password_is_never_on_a_command_line(fresh_server):
    settings, command_lines = fresh_server
    password = settings.password().encode()
    assert any(b"set-initial-password" in c for c in command_lines)  # the watcher saw the admin tool run
    assert any(b"CommunityEntryPoint" in c for c in command_lines)
    assert not [c for c in command_lines if password in c]
    with Graph(settings) as g:  # and the password the tool read from the file is the one that works
        assert g.read("RETURN 1 AS x") == [{"x": 1}]


def test_auth_store_and_data_are_private(fresh_server):
    settings, _ = fresh_server
    home = settings.neo4j_home
    for folder in (home, home / "data", home / "logs", home / "conf", home / "run"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((home / "data" / "dbms" / "auth.ini").stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.password_file.stat().st_mode) == 0o600
    # what the server itself wrote is its owner's alone
    loose = [f for f in home.rglob("*") if f.is_file() and f.stat().st_mode & 0o077]
    assert not loose, loose[:5]


def test_conf_limits_the_read_path(fresh_server):
    settings, _ = fresh_server
    conf = (settings.neo4j_home / "conf" / "neo4j.conf").read_text()
    assert "dbms.security.allow_csv_import_from_file_urls=false" in conf
    assert "internal.dbms.cypher_ip_blocklist=0.0.0.0/0,::/0" in conf
    assert "dbms.security.procedures.allowlist=db.awaitIndexes,db.index.fulltext.queryNodes,db.labels" in conf
    assert "db.memory.transaction.max=256m" in conf  # half the 512m heap
    assert "db.transaction.timeout" not in conf  # ingest writes may be long; the read path sets its own


def test_community_has_no_roles_to_limit_a_reader(graph, neo4j_settings):
    """Why the read path cannot run as a read-only user (kg.readonly's docstring says so)."""
    if not neo4j_settings.managed_neo4j:
        pytest.skip("external test Neo4j may be Enterprise")
    with graph._driver.session(database="system") as session, pytest.raises(ClientError) as refused:
        session.run(CREATE_ROLE).consume()
    assert refused.value.code == "Neo.ClientError.Statement.UnsupportedAdministrationCommand"


def test_a_failed_start_says_why_in_one_line(fresh_server):
    settings, _ = fresh_server
    server.stop(settings)
    bad = settings.model_copy(update={"neo4j_pagecache": "lots"})
    with pytest.raises(server.Neo4jServerError) as failed:
        server.start(bad)
    message = str(failed.value)
    assert "Neo4j exited during start-up" in message and "'lots' is not a valid size" in message
    assert "\n" not in message and "\tat " not in message


def test_a_port_clash_during_start_names_the_cause(fresh_server):
    """A port that passes the check (bound by another process, not yet listening) but that Neo4j
    cannot bind: the cause is read from console.log as soon as Neo4j logs it."""
    settings, _ = fresh_server
    server.stop(settings)
    blocker = socket.socket()  # no SO_REUSEADDR: nobody else may bind the port
    blocker.bind(("127.0.0.1", settings.http_port))
    try:
        with pytest.raises(server.Neo4jServerError) as failed:
            server.start(settings)
    finally:
        blocker.close()
    message = str(failed.value)
    assert f"127.0.0.1:{settings.http_port} is already in use" in message and "\n" not in message
    assert not server.status(settings).pid  # it was stopped, not left to linger


def test_the_same_port_twice_is_refused(tmp_path):
    port = free_port()
    settings = make_settings(tmp_path, neo4j_uri=None, neo4j_password=None, bolt_port=port, http_port=port)
    with pytest.raises(server.Neo4jServerError, match="TIPKG_BOLT_PORT and TIPKG_HTTP_PORT are both"):
        server.start(settings)


@pytest.mark.parametrize("which", ["bolt_port", "http_port"])
def test_a_taken_port_is_named_before_starting(tmp_path, which):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    ports = {"bolt_port": free_port(), "http_port": free_port(), which: port}
    settings = make_settings(tmp_path, neo4j_uri=None, neo4j_password=None, **ports)
    try:
        t = time.perf_counter()
        with pytest.raises(server.Neo4jServerError) as failed:
            server.start(settings)
        assert time.perf_counter() - t < 5  # no 20 s wait for a server that cannot bind
        message = str(failed.value)
        name, variable = ("Bolt", "TIPKG_BOLT_PORT") if which == "bolt_port" else ("HTTP", "TIPKG_HTTP_PORT")
        assert f"{name} port {port} is taken" in message and variable in message
        assert f"pid {os.getpid()}" in message  # who holds it, when it can be seen
        assert not (settings.neo4j_home / "run" / "neo4j.pid").exists()
    finally:
        taken.close()
