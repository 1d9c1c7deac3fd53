"""Cold start: fresh `tipkg` processes, timed from exec to answer, against the bench's stores.

- a question a graph template answers (`tipkg ask "What tier is Myanmar in?"`), target <= 3 s;
- a question the text reader answers, target <= 6 s;
- `tipkg ui` until its HTTP API returns a first answer, target <= 8 s;
- the light commands (`tipkg urls`, `tipkg cypher`), which load no model.
Each is run `runs` times and the median reported; the machine's load average is recorded beside it,
since on a shared machine it moves these figures more than anything in the code.

`python -m bench.cold_start` measures against the bench store as the last `make bench` left it.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time

from bench.http_clients import Session
from kg.settings import PROJECT_ROOT, Settings

GRAPH_QUESTION = "What tier is Myanmar in?"
TEXT_QUESTION = "How much does the Cuban government collect from its medical missions?"
TARGETS_S = {"ask_graph": 3.0, "ask_text": 6.0, "ui_first_answer": 8.0}


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "TIPKG_"))}
    env.update(TIPKG_HOME=str(settings.home), NEO4J_URI=settings.bolt_uri, NEO4J_USER=settings.neo4j_user,
               NEO4J_PASSWORD=settings.password(), TIPKG_CHROMA_COLLECTION=settings.chroma_collection)
    if settings.chroma_path:
        env["TIPKG_CHROMA_PATH"] = str(settings.chroma_path)
    return env


def _tipkg() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "tipkg")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "ui.cli"]


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=600)
    dt = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return dt


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ui_first_answer(env: dict[str, str]) -> float:
    """From exec of `tipkg ui` to the first answer over its HTTP API (polling until the port answers). The
    asker is the bench's lean page-protocol client, imported before the clock starts: gradio_client's own
    set-up (its imports, a second config fetch, an HTTP client per call) is the measurer's cost, not the UI's."""
    port = _free_port()
    t = time.perf_counter()
    proc = subprocess.Popen([*_tipkg(), "ui", "--port", str(port)], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"tipkg ui exited with {proc.returncode}")
            if time.perf_counter() - t > 600:
                raise RuntimeError("tipkg ui gave no answer within 600 s")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    pass
            except OSError:
                time.sleep(0.05)
                continue
            session = Session(f"http://127.0.0.1:{port}/")
            try:
                result = session.ask(GRAPH_QUESTION, "default")
            finally:
                session.close()
            if "answer-box" in str(result[0]):
                return time.perf_counter() - t
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cold_start(settings: Settings, runs: int = 3) -> dict:
    env = _env(settings)
    tipkg = _tipkg()
    measures = {
        "urls": lambda: _timed([*tipkg, "urls"], env),
        "cypher": lambda: _timed([*tipkg, "cypher", "MATCH (c:Country) RETURN count(c) AS n", "--json"], env),
        "ask_graph": lambda: _timed([*tipkg, "ask", GRAPH_QUESTION], env),
        "ask_text": lambda: _timed([*tipkg, "ask", TEXT_QUESTION], env),
        "ui_first_answer": lambda: _ui_first_answer(env),
    }
    out: dict = {"runs": runs, "load_before": round(os.getloadavg()[0], 2)}
    for name, measure in measures.items():
        times = [measure() for _ in range(runs)]
        out[name] = {"median_s": round(statistics.median(times), 2), "runs_s": [round(x, 2) for x in times]}
        if name in TARGETS_S:
            out[name]["target_s"] = TARGETS_S[name]
        print(f"  cold {name}: {out[name]}", flush=True)
    out["load_after"] = round(os.getloadavg()[0], 2)
    return out


if __name__ == "__main__":
    from bench.run import bench_settings
    from kg import server

    s = bench_settings()
    server.start(s)
    try:
        print(json.dumps(cold_start(s, runs=int(os.environ.get("TIPKG_BENCH_COLD_RUNS", "3"))), indent=2))
    finally:
        server.stop(s)
