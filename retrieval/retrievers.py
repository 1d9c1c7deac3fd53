"""Retrievers, each a small class with one `search` method, and their fusion.

Dense (Chroma, all-MiniLM-L6-v2) finds paraphrases; keyword (Neo4j full-text, Lucene) finds
exact names, figures and dates; graph finds the passages that mention the question's linked
entities. Reciprocal rank fusion merges them; near-duplicate passages collapse onto one copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from retrieval.graph_tools import GraphTools
from retrieval.understand import STOPWORDS
from stores.embeddings import Embeds
from stores.query_embedder import query_embedder
from stores.vectorstore import VectorStore

RRF_K = 60
_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/]|&&|\|\|)')


@dataclass
class Hit:
    passage_id: str
    score: float
    sources: dict[str, int] = field(default_factory=dict)  # retriever -> rank
    document: str = ""


class DenseRetriever:
    def __init__(self, store: VectorStore, embedder: Embeds):
        self.store, self.embedder = store, embedder

    def search(self, query: str, k: int = 20, vector=None) -> list[Hit]:
        vector = self.embedder.embed_one(query) if vector is None else vector
        return [Hit(h.passage_id, h.score, document=h.metadata.get("file", "")) for h in self.store.query(vector, k)]


def lucene_query(text: str) -> str:
    """An OR query of the question's content words, every Lucene operator escaped."""
    words = [w for w in re.findall(r"[\w’'#.-]+", text) if w.lower().strip(".") not in STOPWORDS and len(w) > 1]
    terms = []
    for w in words:
        w = w.strip(".’'")
        if not w:
            continue
        terms.append(_LUCENE_SPECIAL.sub(r"\\\1", w))
    return " OR ".join(dict.fromkeys(terms))


class KeywordRetriever:
    def __init__(self, tools: GraphTools):
        self.tools = tools

    def search(self, query: str, k: int = 20) -> list[Hit]:
        q = lucene_query(query)
        if not q:
            return []
        return [Hit(r["passage_id"], float(r["score"])) for r in self.tools.fulltext(q, k)]


class GraphRetriever:
    def __init__(self, tools: GraphTools):
        self.tools = tools

    def search(self, entity_keys: list[str], k: int = 20) -> list[Hit]:
        if not entity_keys:
            return []
        return [Hit(r["passage_id"], float(r["hits"])) for r in self.tools.entity_passages(entity_keys, k)]


class HybridRetriever:
    def __init__(self, dense: DenseRetriever, keyword: KeywordRetriever, graph: GraphRetriever):
        self.dense, self.keyword, self.graph = dense, keyword, graph

    def search(self, query: str, entity_keys: list[str] | None = None, k: int = 10, vector=None) -> list[Hit]:
        ranked = {
            "dense": self.dense.search(query, 20, vector=vector),
            "keyword": self.keyword.search(query, 20),
            "graph": self.graph.search(entity_keys or [], 20),
        }
        # Keyword hits carry exact names and figures: as much weight as dense ones.
        weights = {"dense": 1.0, "keyword": 1.0, "graph": 0.5}
        fused: dict[str, Hit] = {}
        for name, hits in ranked.items():
            for rank, h in enumerate(hits, start=1):
                f = fused.setdefault(h.passage_id, Hit(h.passage_id, 0.0))
                f.score += weights[name] / (RRF_K + rank)
                f.sources[name] = rank
                if name == "dense":
                    f.sources["dense_cos"] = h.score  # type: ignore[assignment]
        return sorted(fused.values(), key=lambda h: h.score, reverse=True)[:k]


# An entity mentioned in this share of passages or more says little about which passage answers
# (the Agent's focus rule: "Tier 2" or "the United States" everywhere in the report).
FOCUS_MAX_DF = 0.25

def entity_aware_search(hybrid: HybridRetriever, tools: GraphTools, entities: list, entity_df: dict[str, float],
                        query: str, k: int, vector=None) -> list[Hit]:
    """The Agent's retrieval: the hybrid search with the question's rarer linked `entities` as graph
    seeds, then the passages of the chapters about each country it names (in a chapter, "the
    government" is that country's, so they answer without repeating its name)."""
    focus = [e.key for e in entities if e.label != "Tier" and entity_df.get(e.key, 0.0) < FOCUS_MAX_DF]
    hits = hybrid.search(query, entity_keys=focus, k=k, vector=vector)
    countries = [e for e in entities if e.label == "Country"]
    if countries:
        known = {h.passage_id for h in hits}
        hits += [Hit(pid, 0.0) for pid in tools.subject_passages([e.key for e in countries]) if pid not in known]
    return hits


class PassageRetriever(BaseRetriever):
    """The Agent's entity-aware hybrid search as a LangChain retriever: Documents with the passage's
    text, and its id, file, title, span and scores as metadata.

        retriever = PassageRetriever.from_settings(Settings(), k=4)
        docs = retriever.invoke("What is forced criminality?", k=2)   # k per call overrides the field
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    hybrid: HybridRetriever
    tools: GraphTools
    linker: object | None = None  # retrieval.understand.EntityLinker; None: no entity seeds
    entity_df: dict[str, float] = {}
    k: int = 8
    graph: object | None = None  # the connection from_settings opened (closed by close())

    @classmethod
    def from_settings(cls, settings, k: int = 8, embedder: Embeds | None = None, **kwargs) -> PassageRetriever:
        """Open the stores that `settings` names (an existing index: it never creates one)."""
        from kg.driver import Graph
        from retrieval.understand import EntityLinker

        graph = Graph(settings)
        tools = GraphTools(graph)
        store = VectorStore(settings, create=False)
        embedder = embedder or query_embedder(settings.cache_dir)
        hybrid = HybridRetriever(DenseRetriever(store, embedder), KeywordRetriever(tools), GraphRetriever(tools))
        return cls(hybrid=hybrid, tools=tools, linker=EntityLinker(tools.entity_index()),
                   entity_df=tools.entity_frequency(), k=k, graph=graph, **kwargs)

    def close(self) -> None:
        if self.graph is not None:
            self.graph.close()

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None) -> list[Document]:
        k = self.k if k is None else k
        if k <= 0:
            return []
        if self.linker is None:
            hits = self.hybrid.search(query, k=k)
        else:
            from retrieval.understand import understand

            entities = understand(query, self.linker).entities
            hits = entity_aware_search(self.hybrid, self.tools, entities, self.entity_df, query, k)
        hits = hits[:k]
        rows = self.tools.passages([h.passage_id for h in hits])
        docs = []
        for h in hits:
            r = rows.get(h.passage_id)
            if r:
                docs.append(Document(page_content=r["text"], metadata={
                    "passage_id": h.passage_id, "score": h.score, "file": r["file"], "title": r["title"],
                    "start": r["start"], "end": r["end"], "retrievers": dict(h.sources)}))
        return docs
