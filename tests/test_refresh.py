"""A long-lived answerer (the UI's) picks up a re-ingest without a restart."""

from __future__ import annotations

import shutil
import subprocess
import sys

from ingest.build import run_ingest
from retrieval.agent import Agent
from tests.conftest import cli_env

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
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbor.txt").write_text(NOTE)
    run_ingest(scratch, [scratch.corpus_dir], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    agent = Agent(scratch.model_copy(update={"refresh_seconds": 0}), embedder=embedder)
    question = "Who did Harbor Watch train to spot forced labor on fishing vessels?"
    assert agent.ask(question).abstained
    # A running UI has its vector index open and loaded by earlier questions (this one abstains before
    # it reads any text).
    vector = embedder.embed_one(question)
    assert "harbor.txt" not in {h.metadata["file"] for h in agent.store.query(vector, k=3)}

    # Another process adds a file, as in the issue: this process's Chroma client would go on reading the
    # collection it loaded (the same process would share its client and see the new vectors anyway).
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(corpus)], env=cli_env(scratch),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    after = agent.ask(question)
    assert not after.abstained and "port inspectors" in after.answer
    assert after.citations[0].document == "harbor.txt"
    # The graph's full-text index finds the passage on its own: the vector search is pinned separately.
    assert agent.store.query(vector, k=3)[0].metadata["file"] == "harbor.txt"

    # Item 8: the vector folder deleted and rebuilt under the running answerer, by another process (as
    # a user does: `tipkg ingest` beside a running UI; in one process Chroma's shared client would
    # keep writing to the deleted folder's open handles).
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


def test_a_running_answerer_says_to_ingest_while_its_vectors_are_gone_and_answers_after_a_repair(
        built_corpus, embedder, tmp_path):
    """Issue 20, item 8: the folder deleted by another process under a running answerer gets the
    message that says what to do (not "Something went wrong"), and `tipkg doctor --repair` run beside it
    brings answers back without a restart."""
    settings, _ = built_corpus
    shutil.copytree(settings.chroma_dir, tmp_path / "chroma")  # its own copy: this test deletes it
    own = settings.model_copy(update={"chroma_path": tmp_path / "chroma", "refresh_seconds": 0})
    agent = Agent(own, embedder=embedder)
    question = "How many people are exploited for labor and commercial sex around the world?"
    first = agent.ask(question)
    assert not first.abstained and first.error is None and "27 million" in first.answer

    subprocess.run([sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1])", str(own.chroma_dir)],
                   check=True, timeout=60)
    gone = agent.ask(question)
    assert gone.abstained and gone.error
    assert f"no vector index at {own.chroma_dir}: run `tipkg ingest`" in gone.answer
    assert "Something went wrong" not in gone.answer

    proc = subprocess.run([sys.executable, "-m", "ui.cli", "doctor", "--repair"], env=cli_env(own),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = " ".join(proc.stdout.split())  # rich wraps at 80 columns
    assert "building it from the graph" in said and "repaired vector index" in said
    again = agent.ask(question)
    assert not again.abstained and again.error is None and again.answer == first.answer
    assert [c.passage_id for c in again.citations] == [c.passage_id for c in first.citations]
    agent.close()
