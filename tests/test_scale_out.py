"""Scale-out by settings alone, against real servers on loopback.

- A Chroma server (`chroma run`, the one the chromadb package ships), reached through a token gateway:
  Chroma's own server has no authentication, so deployments put one in front, and the gateway here is
  that proxy. Ingest, answers and `doctor` go through it, and the answers must equal the embedded store's.
- A Neo4j that tipkg did not start: a second server started with the project's own code, then used only
  through NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD as a login of its own. tipkg must ingest into it and
  answer from it without starting, stopping or reconfiguring it.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.conftest import make_settings, wipe_graph

CHROMA_PORT = int(os.environ.get("TIPKG_TEST_CHROMA_PORT", "18100"))
GATEWAY_PORT = CHROMA_PORT + 1
FOREIGN_BOLT_PORT = int(os.environ.get("TIPKG_TEST_FOREIGN_BOLT_PORT", "17690"))
FOREIGN_HTTP_PORT = FOREIGN_BOLT_PORT - 213

# Answered from text (so the vector index matters), from the graph, and not at all.
QUESTIONS = [
    "How many people are estimated to be exploited for labor and commercial sex worldwide?",
    "What does Project Arachnid do?",
    "Where was the GraceCity App developed?",
    "Who leads SICARcat?",
    "What tier is Burma?",
    "What did Elon Musk say about the report?",
]


def _free(port: int) -> None:
    from kg.server import port_open

    assert not port_open(port), f"port {port} is taken; set TIPKG_TEST_CHROMA_PORT / TIPKG_TEST_FOREIGN_BOLT_PORT"


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"server exited: {log.read_text()[-2000:]}"
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"no answer from {url} within {timeout:.0f}s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    _free(CHROMA_PORT)
    root = tmp_path_factory.mktemp("chroma-server")
    log = root / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(Path(sys.executable).with_name("chroma")), "run", "--path", str(root / "data"),
                                 "--host", "127.0.0.1", "--port", str(CHROMA_PORT)],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_http(f"http://127.0.0.1:{CHROMA_PORT}/api/v2/heartbeat", proc, log)
        yield root / "data"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


class _Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, upstream: int, token: str):
        super().__init__(("127.0.0.1", port), _GatewayHandler)
        self.upstream, self.expected = upstream, f"Bearer {token}"
        self.passed = self.refused = 0
        self.lock = threading.Lock()


class _GatewayHandler(BaseHTTPRequestHandler):
    """Forwards a request only when it carries the bearer token; 401 otherwise."""

    def _forward(self) -> None:
        gw: _Gateway = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Authorization") != gw.expected:
            with gw.lock:
                gw.refused += 1
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with gw.lock:
            gw.passed += 1
        conn = http.client.HTTPConnection("127.0.0.1", gw.upstream, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization", "connection")}
        conn.request(self.command, self.path, body=body or None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def gateway(chroma_server):
    _free(GATEWAY_PORT)
    gw = _Gateway(GATEWAY_PORT, CHROMA_PORT, secrets.token_urlsafe(24))
    thread = threading.Thread(target=gw.serve_forever, daemon=True)
    thread.start()
    yield gw
    gw.shutdown()
    gw.server_close()


def _answers(agent) -> list[tuple]:
    out = []
    for q in QUESTIONS:
        a = agent.ask(q)
        assert a.error is None, a.error
        out.append((a.answer, a.abstained, [(c.document, c.start, c.end, c.quote) for c in a.citations]))
    return out


@pytest.mark.neo4j
def test_a_chroma_server_behind_a_token_gateway_gives_the_embedded_stores_answers(
        built_corpus, agent, embedder, nlp, chroma_server, gateway, tmp_path):
    from ingest.build import run_ingest
    from ingest.doctor import check_stores
    from retrieval.agent import Agent
    from stores.vectorstore import ChromaUnavailable, VectorStore

    settings, _ = built_corpus
    embedded = _answers(agent)
    assert any(cites for _, abstained, cites in embedded if not abstained)
    token = gateway.expected.removeprefix("Bearer ")
    remote = settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": GATEWAY_PORT,
                                         "chroma_token": SecretStr(token), "chroma_path": tmp_path / "never-written"})
    try:
        wipe_graph(settings)
        summary = run_ingest(remote, [settings.corpus_dir], tiers_csv=settings.tiers_csv, embedder=embedder, nlp=nlp)
        assert summary.passages > 0
        passed_after_ingest = gateway.passed
        assert passed_after_ingest > 0 and gateway.refused == 0
        served = Agent(remote, embedder=embedder)
        try:
            assert _answers(served) == embedded
        finally:
            served.close()
        assert gateway.passed > passed_after_ingest  # the answers' vector searches went through the gateway too
        report = check_stores(remote, embedder=embedder)
        assert report.problems == 0 and report.vectors == report.graph_passages > 0
        assert not (tmp_path / "never-written").exists()  # nothing fell back to a local index
        assert any((chroma_server).iterdir())  # the server holds the index

        wrong = remote.model_copy(update={"chroma_token": SecretStr("not-the-token")})
        with pytest.raises(ChromaUnavailable) as info:
            VectorStore(wrong, create=False).count()
        message = str(info.value)
        assert f"127.0.0.1:{GATEWAY_PORT}" in message and "not-the-token" not in message and token not in message
        assert "--repair" not in message  # a server's refusal is not a corrupt local folder
        assert gateway.refused > 0
    finally:
        wipe_graph(settings)
        run_ingest(settings, [settings.corpus_dir], tiers_csv=settings.tiers_csv, embedder=embedder, nlp=nlp)


# -- a Neo4j tipkg did not start ------------------------------------------------------------------------

APP_USER = "tipkg_app"
CREATE_APP_USER = "CREATE USER tipkg_app SET PASSWORD $password CHANGE NOT REQUIRED"


@pytest.fixture(scope="module")
def foreign_neo4j(tmp_path_factory):
    """Someone else's server: started here with the project's code only because it is the Neo4j at hand,
    with a login of its own for tipkg. tipkg sees nothing but its URI, user and password."""
    from neo4j import GraphDatabase

    from kg import server

    _free(FOREIGN_BOLT_PORT)
    _free(FOREIGN_HTTP_PORT)
    owner = make_settings(tmp_path_factory.mktemp("foreign-owner"), neo4j_uri=None, neo4j_user="neo4j",
                          neo4j_password=None, bolt_port=FOREIGN_BOLT_PORT, http_port=FOREIGN_HTTP_PORT,
                          neo4j_heap="512m")
    server.start(owner)
    password = secrets.token_urlsafe(18)
    try:
        with GraphDatabase.driver(owner.bolt_uri, auth=("neo4j", owner.password())) as drv:
            drv.execute_query(CREATE_APP_USER, password=password, database_="system")
        yield owner, password
    finally:
        server.stop(owner)


def _conf_digest(owner) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted((owner.neo4j_home / "conf").glob("*")))).hexdigest()


def _tipkg(env: dict, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "ui.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ, **env), timeout=600)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


@pytest.mark.neo4j
def test_a_neo4j_tipkg_did_not_start_is_used_as_it_is(foreign_neo4j, tmp_path):
    import json

    from kg import server
    from kg.driver import Graph
    from kg.schema import NODE_KEYS

    owner, password = foreign_neo4j
    pid, conf = server.status(owner).pid, _conf_digest(owner)
    home = tmp_path / "home"
    # neo4j:// asks the server for a routing table, as a cluster or Aura would be reached.
    env = dict(NEO4J_URI=f"neo4j://127.0.0.1:{FOREIGN_BOLT_PORT}", NEO4J_USER=APP_USER, NEO4J_PASSWORD=password,
               TIPKG_HOME=str(home), TIPKG_CHROMA_PATH=str(tmp_path / "chroma"))

    before = _tipkg(env, "ask", "--json", "What tier is Burma?")
    assert before.returncode == 1 and "run `tipkg ingest` first" in json.loads(before.stdout)["error"]

    started = _tipkg(env, "neo4j", "start")
    assert started.returncode == 0 and "not started" in started.stdout and APP_USER in started.stdout
    stopped = _tipkg(env, "neo4j", "stop")
    assert stopped.returncode == 0 and "nothing stopped" in stopped.stdout

    ingest = _tipkg(env, "ingest")
    assert ingest.returncode == 0, ingest.stderr
    with Graph(owner) as g:
        constraints = g.read("SHOW CONSTRAINTS YIELD labelsOrTypes RETURN labelsOrTypes[0] AS label")
        documents = g.read("MATCH (d:Document) RETURN count(d) AS n")[0]["n"]
    assert set(NODE_KEYS) <= {c["label"] for c in constraints}  # the schema was created on first use
    assert documents >= 5

    asked = _tipkg(env, "ask", "--json", "What tier is Burma?")
    assert asked.returncode == 0, asked.stderr
    row = json.loads(asked.stdout)
    assert "Tier 3" in row["answer"] and row["citations"]
    text = json.loads(_tipkg(env, "ask", "--json", "Who leads SICARcat?").stdout)
    assert "Rosa Cendón" in text["answer"] and text["citations"][0]["passage_id"]
    assert _tipkg(env, "doctor").returncode == 0

    nosuch = _tipkg(dict(env, TIPKG_NEO4J_DATABASE="nosuchdb"), "ask", "--json", "What tier is Burma?")
    assert nosuch.returncode == 1 and "nosuchdb" in json.loads(nosuch.stdout)["error"]

    # Untouched: the same process, the same configuration, and no server of tipkg's own beside it.
    assert server.status(owner).pid == pid and server.status(owner).running
    assert _conf_digest(owner) == conf
    assert not (home / "neo4j").exists()
