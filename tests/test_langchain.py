"""tipkg as a LangChain citizen, against the real stores (the default corpus in the test Neo4j and
Chroma): LangChain's own standard retriever tests, the retriever's k, its entity-aware search, the
Agent as a Runnable and the graph tools with typed arguments."""

from __future__ import annotations

import functools

import pytest
from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda
from langchain_tests.integration_tests import RetrieversIntegrationTests

from retrieval.lc import AgentRunnable, make_tools
from retrieval.models import Answer
from retrieval.retrievers import PassageRetriever


class TestPassageRetrieverStandard(RetrieversIntegrationTests):
    """langchain-tests' RetrieversIntegrationTests (k as a field, k as an invoke keyword, sync and
    async calls) on PassageRetriever.from_settings over the real stores."""

    _settings = None
    _embedder = None

    @pytest.fixture(autouse=True)
    def _stores(self, built_corpus, embedder):
        type(self)._settings, type(self)._embedder = built_corpus[0], embedder

    @property
    def retriever_constructor(self):
        return functools.partial(PassageRetriever.from_settings, self._settings, embedder=self._embedder)

    @property
    def retriever_constructor_params(self) -> dict:
        return {}

    @property
    def retriever_query_example(self) -> str:
        return "What is forced criminality in online scam operations?"


@pytest.fixture(scope="module")
def retriever(built_corpus, embedder):
    r = PassageRetriever.from_settings(built_corpus[0], k=3, embedder=embedder)
    yield r
    r.close()


def test_k_field_and_k_keyword(retriever):
    assert len(retriever.invoke("Which heroes were honoured in 2024?")) == 3
    assert len(retriever.invoke("Which heroes were honoured in 2024?", k=1)) == 1
    docs = retriever.invoke("online scam centers forced criminality", k=5)
    assert len(docs) == 5 and all(isinstance(d, Document) and d.metadata["passage_id"] for d in docs)


def test_it_searches_as_the_agent_does(retriever, agent):
    """Same entity seeds and country chapters as the Agent's own retrieval: the same passages, in the
    same order (the Agent retrieves 10)."""
    from retrieval.understand import understand

    agent.ensure()
    q = "What does Atina do in Serbia?"
    docs = retriever.invoke(q, k=10)
    agents = agent._retrieve(understand(q, agent._linker))[1]
    mine, theirs = [d.metadata["passage_id"] for d in docs], [r.passage_id for r in agents[:10]]
    assert mine == theirs, [(a, b) for a, b in zip(mine, theirs) if a != b]
    assert docs[0].metadata["retrievers"].get("graph") == 1  # the linked organisation seeded the graph search
    assert not any("graph" in h.sources for h in agent.hybrid.search(q, k=10))  # which a plain call lacks


def test_agent_is_a_runnable_in_a_chain(agent):
    chain = RunnableLambda(lambda d: {"question": d["q"]}) | AgentRunnable(agent)
    a = chain.invoke({"q": "What tier is Myanmar in?"})
    assert isinstance(a, Answer) and not a.abstained and "Tier 3" in a.answer
    assert [x.abstained for x in AgentRunnable(agent).batch(["What tier is Myanmar in?", "What is the capital of "
                                                             "Zorblax?"])] == [False, True]


def test_graph_tools_have_typed_arguments_and_read_only_answers(retriever, graph):
    from tests.test_ingest import graph_fingerprint

    before = graph_fingerprint(graph)
    tools = {t.name: t for t in make_tools(retriever)}
    assert set(tools) == {"tier_lookup", "tip_heroes", "search_passages"}
    assert tools["tier_lookup"].args["year"]["type"] == "integer"
    got = tools["tier_lookup"].invoke({"country": "Myanmar"})
    assert got["found"] and got["tier"] == "Tier 3" and got["table_row"]
    assert tools["tier_lookup"].invoke({"country": "Atlantis"})["found"] is False
    heroes = tools["tip_heroes"].invoke({})
    assert heroes and all(h["name"] for h in heroes)
    one = heroes[0]
    if one["country"]:
        assert any(h["name"] == one["name"] for h in tools["tip_heroes"].invoke({"country": one["country"]}))
    found = tools["search_passages"].invoke({"query": "forced criminality scam compounds", "k": 2})
    assert len(found) == 2 and all(p["text"] and p["passage_id"] for p in found)
    with pytest.raises(Exception):  # noqa: B017 - the schema refuses what is not an int in range
        tools["search_passages"].invoke({"query": "x", "k": 500})
    # a tool argument that looks like Cypher is only ever a parameter
    assert tools["tier_lookup"].invoke({"country": "x'}) MATCH (n) DETACH DELETE n //"})["found"] is False
    assert graph_fingerprint(graph) == before
