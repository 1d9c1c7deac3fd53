"""The status banner (issue 20, item 8) tells the two stores apart: both passage counts and whether
they agree, and a missing vector store named as such while Neo4j is reported up."""

from __future__ import annotations

import html
import shutil
import subprocess
import sys

from retrieval.agent import Agent
from stores.vectorstore import VectorStore
from ui.banner import status_html


def _own_copy_of_the_vectors(built_corpus, tmp_path):
    """Settings on a copy of the shared corpus's vector folder: these tests delete from it."""
    settings, _ = built_corpus
    shutil.copytree(settings.chroma_dir, tmp_path / "chroma")
    return settings.model_copy(update={"chroma_path": tmp_path / "chroma", "refresh_seconds": 0})


def _delete_from_another_process(folder) -> None:
    subprocess.run([sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1])", str(folder)],
                   check=True, timeout=60)


def test_the_banner_shows_both_counts_and_when_they_disagree(built_corpus, embedder, tmp_path):
    settings = _own_copy_of_the_vectors(built_corpus, tmp_path)
    agent = Agent(settings, embedder=embedder)
    st = agent.status()
    n = int(st["graph passages"])
    assert n >= 40 and st["chroma passages"] == str(n) and st["stores agree"] == "yes"
    banner = status_html(st, settings.browser_url)
    assert 'id="status-ok"' in banner and f"graph passages {n} · Chroma passages {n}" in banner
    assert "stores agree: yes" in banner

    store = VectorStore(settings, create=False)
    store.delete(sorted(store.all_ids())[:3])
    st = agent.status()
    assert (st["graph passages"], st["chroma passages"]) == (str(n), str(n - 3))
    assert st["stores agree"].startswith("no")
    banner = status_html(st, settings.browser_url)
    assert 'id="status-disagree"' in banner and 'id="status-ok"' not in banner
    assert f"graph passages {n} · Chroma passages {n - 3}" in banner
    assert "stores agree: no" in banner and "tipkg doctor --repair" in banner
    agent.close()


def test_a_missing_vector_store_is_named_while_neo4j_is_ok(built_corpus, embedder, tmp_path):
    settings = _own_copy_of_the_vectors(built_corpus, tmp_path)
    never_built = tmp_path / "never-built"
    fresh = Agent(settings.model_copy(update={"chroma_path": never_built}), embedder=embedder)
    running = Agent(settings, embedder=embedder)
    assert running.status()["stores agree"] == "yes"
    _delete_from_another_process(settings.chroma_dir)

    for agent, folder in ((fresh, never_built), (running, settings.chroma_dir)):
        st = agent.status()
        assert st["neo4j"] == "ok" and int(st["graph passages"]) >= 40
        assert f"no vector index at {folder}" in st["chroma"] and "tipkg ingest" in st["chroma"]
        assert "chroma passages" not in st and "stores agree" not in st
        banner = status_html(st, settings.browser_url)
        assert 'id="status-chroma"' in banner and banner.count("Neo4j ok") == 1
        assert "Neo4j is unavailable" not in banner and html.escape(str(folder)) in banner
        agent.close()
    assert not never_built.exists()  # asking for the status creates no store
