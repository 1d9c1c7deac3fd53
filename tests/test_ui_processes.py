"""Several `tipkg ui` processes behind one set of stores, as the README's "Running at scale" tells users to
run them: each serves its own port, and questions asked of both at once get the same answer and citations."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from bench.http_clients import Session
from tests.conftest import cli_env, free_port

QUESTIONS = ["Who leads SICARcat?", "What tier is Burma?"]


def _wait_for(proc: subprocess.Popen, port: int, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"tipkg ui exited with {proc.returncode}: {proc.stderr.read()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"tipkg ui did not listen on {port} within {timeout} s")


def test_two_ui_processes_answer_alike_from_one_store(built_corpus):
    settings, _ = built_corpus
    ports = [free_port(), free_port()]
    procs = [subprocess.Popen([sys.executable, "-m", "ui.cli", "ui", "--port", str(p)], env=cli_env(settings),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
             for p in ports]
    try:
        for proc, port in zip(procs, ports):
            _wait_for(proc, port)
        sessions = [Session(f"http://127.0.0.1:{p}/") for p in ports]

        def ask_all(session: Session) -> list[tuple[str, list]]:
            out = []
            for q in QUESTIONS:
                answer, citations = session.ask(q, "default")[:2]
                out.append((answer, citations["choices"]))
            return out

        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(ask_all, sessions)
        for s in sessions:
            s.close()
        assert first == second
        (sicar, sicar_cites), (burma, burma_cites) = first
        assert "Rosa Cendón" in sicar and sicar_cites
        assert "Tier 3" in burma and burma_cites
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
