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
