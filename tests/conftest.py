"""Test fixtures. Graph tests talk to a real Neo4j: a test instance of the project's own server on
other ports with its own data folder (never the user's), or `TIPKG_TEST_NEO4J_URI` if given."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from stores.offline import ensure_offline

ensure_offline()

import pytest

from kg.settings import PROJECT_ROOT, Settings

TEST_HOME = PROJECT_ROOT / ".tipkg" / "test"
TEST_BOLT_PORT = int(os.environ.get("TIPKG_TEST_BOLT_PORT", "17687"))
TEST_HTTP_PORT = int(os.environ.get("TIPKG_TEST_HTTP_PORT", "17474"))


def make_settings(home: Path, **overrides) -> Settings:
    """Settings isolated from the user's environment (no NEO4J_* leaking in)."""
    base = dict(
        home=home,
        neo4j_uri=os.environ.get("TIPKG_TEST_NEO4J_URI"),
        neo4j_user=os.environ.get("TIPKG_TEST_NEO4J_USER", "neo4j"),
        neo4j_password=os.environ.get("TIPKG_TEST_NEO4J_PASSWORD"),
        bolt_port=TEST_BOLT_PORT,
        http_port=TEST_HTTP_PORT,
        neo4j_heap="768m",
        neo4j_pagecache="128m",
        chroma_collection="tipkg_test_passages",
    )
    base.update(overrides)
    return Settings(**base)


def free_port() -> int:
    """A loopback port nothing listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a `tipkg` subprocess needs to use these settings' stores."""
    return dict(os.environ, NEO4J_URI=settings.bolt_uri, NEO4J_USER=settings.neo4j_user,
                NEO4J_PASSWORD=settings.password(), TIPKG_CHROMA_PATH=str(settings.chroma_dir),
                TIPKG_CHROMA_COLLECTION=settings.chroma_collection, TIPKG_HOME=str(settings.home), **extra)


@pytest.fixture(scope="session")
def neo4j_settings() -> Settings:
    """A running test Neo4j; stopped at the end of the session."""
    from kg import server

    settings = make_settings(TEST_HOME / "store")
    if settings.managed_neo4j:
        server.start(settings)
    yield settings
    if settings.managed_neo4j:
        server.stop(settings)


@pytest.fixture(scope="session")
def graph(neo4j_settings):
    from kg.driver import Graph

    with Graph(neo4j_settings) as g:
        yield g


@pytest.fixture(scope="session")
def embedder():
    from stores.embeddings import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def nlp():
    from ingest.mentions import load_ner

    return load_ner()


@pytest.fixture(scope="session")
def built_corpus(neo4j_settings, embedder, nlp, tmp_path_factory):
    """The default corpus ingested once into the test stores; tests that read it share it."""
    from ingest.build import run_ingest

    settings = neo4j_settings.model_copy(update={"chroma_path": tmp_path_factory.mktemp("chroma-corpus")})
    wipe_graph(settings)
    summary = run_ingest(settings, [settings.corpus_dir], tiers_csv=settings.tiers_csv, embedder=embedder, nlp=nlp)
    return settings, summary


@pytest.fixture
def scratch(built_corpus, embedder, nlp, tmp_path):
    """Settings for a test that rewrites the graph: empty graph and Chroma before, the default corpus
    restored after (the other tests share that state)."""
    from ingest.build import run_ingest

    settings, _ = built_corpus
    scratch_settings = settings.model_copy(update={"chroma_path": tmp_path / "chroma"})
    wipe_graph(settings)
    yield scratch_settings
    wipe_graph(settings)
    run_ingest(settings, [settings.corpus_dir], tiers_csv=settings.tiers_csv, embedder=embedder, nlp=nlp)


def restore_default_corpus(settings: Settings, embedder, nlp) -> None:
    """The shared test stores back to the default corpus alone, after a test ingested more into them: the
    graph rebuilt, and the vectors of documents it no longer holds deleted (an ingest never removes the
    vectors of documents that are not in its run, so they would outlive the graph's reset)."""
    from ingest.build import run_ingest
    from kg.driver import Graph
    from stores.vectorstore import VectorStore

    wipe_graph(settings)
    run_ingest(settings, [settings.corpus_dir], tiers_csv=settings.tiers_csv, embedder=embedder, nlp=nlp)
    with Graph(settings) as g:
        live = {r["id"] for r in g.read("MATCH (p:Passage) RETURN p.passage_id AS id")}
    store = VectorStore(settings)
    try:
        store.delete([i for i in store.all_ids() if i not in live])
    finally:
        store.close()


def wipe_graph(settings: Settings) -> None:
    """Empty the test database (only ever the test instance's)."""
    from kg.driver import Graph
    from kg.writes import delete_everything

    with Graph(settings) as g:
        delete_everything(g)


@pytest.fixture(scope="session")
def agent(built_corpus, embedder):
    from retrieval.agent import Agent

    settings, _ = built_corpus
    a = Agent(settings, embedder=embedder)
    yield a
    a.close()


def pytest_collection_modifyitems(config, items):
    """Tests that use the graph carry the `neo4j` marker (`pytest -m "not neo4j"` runs the rest anywhere);
    without Java they skip and say why, instead of erroring in the fixture."""
    import shutil

    java = shutil.which("java") is not None or bool(os.environ.get("TIPKG_TEST_NEO4J_URI"))
    for item in items:
        if "neo4j_settings" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.neo4j)
            if not java:
                item.add_marker(pytest.mark.skip(reason="needs Neo4j: Java 17+ is not installed (and no "
                                                        "TIPKG_TEST_NEO4J_URI is given)"))
