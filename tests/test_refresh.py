"""A long-lived answerer (the UI's) picks up a re-ingest without a restart."""

from __future__ import annotations

from ingest.build import run_ingest
from retrieval.agent import Agent

NOTE = ("Harbor Watch annual note\n\nHarbor Watch trained port inspectors to spot forced labor on fishing "
        "vessels and referred the crews they found to shelters run by local groups during the year.\n")


def test_answerer_sees_what_an_ingest_added_after_it_started(scratch, embedder, nlp, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbor.txt").write_text(NOTE)
    run_ingest(scratch, [corpus], tiers_csv=None, embedder=embedder, nlp=nlp)
    question = "What tier is Burma in?"

    watching = Agent(scratch.model_copy(update={"refresh_seconds": 0}), embedder=embedder)
    stale = Agent(scratch.model_copy(update={"refresh_seconds": 3600}), embedder=embedder)
    for agent in (watching, stale):
        before = agent.ask(question)
        assert before.abstained and before.error is None  # no tier table yet

    run_ingest(scratch, [corpus], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)  # the table arrives

    after = watching.ask(question)
    assert not after.abstained and "Tier 3" in after.answer and after.citations
    # the control: an answerer that does not re-check still links names against the old graph
    assert stale.ask(question).abstained
    for agent in (watching, stale):
        agent.close()


def test_a_running_answerer_reads_the_vectors_a_later_ingest_wrote(scratch, embedder, nlp, tmp_path):
    """Issue 20, item 7: the store is reopened with the graph, not only the entity index."""
    import shutil

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbor.txt").write_text(NOTE)
    run_ingest(scratch, [scratch.corpus_dir], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    agent = Agent(scratch.model_copy(update={"refresh_seconds": 0}), embedder=embedder)
    question = "Who did Harbor Watch train to spot forced labor on fishing vessels?"
    assert agent.ask(question).abstained

    run_ingest(scratch, [corpus], tiers_csv=None, embedder=embedder, nlp=nlp)  # "another process" adds a file
    after = agent.ask(question)
    assert not after.abstained and "port inspectors" in after.answer
    assert after.citations[0].document == "harbor.txt"

    # Item 8: the vector folder deleted and rebuilt under the running answerer, by another process (as
    # a user does: `tipkg ingest` beside a running UI; in one process Chroma's shared client would
    # keep writing to the deleted folder's open handles).
    import subprocess
    import sys

    from tests.conftest import cli_env

    shutil.rmtree(scratch.chroma_dir)
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(scratch.corpus_dir), str(corpus)],
                          env=cli_env(scratch), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    rebuilt = agent.ask(question)
    assert not rebuilt.abstained and rebuilt.error is None and "port inspectors" in rebuilt.answer
    agent.close()


def test_ask_never_creates_a_vector_store(built_corpus, embedder, tmp_path):
    settings, _ = built_corpus
    missing = tmp_path / "no-chroma-here"
    agent = Agent(settings.model_copy(update={"chroma_path": missing}), embedder=embedder)
    a = agent.ask("How many people are exploited for labor and commercial sex around the world?")
    assert a.abstained and a.error and "tipkg ingest" in a.answer
    assert not missing.exists()
    agent.close()
