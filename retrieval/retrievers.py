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
from stores.embeddings import Embedder
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
    def __init__(self, store: VectorStore, embedder: Embedder):
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


class PassageRetriever(BaseRetriever):
    """The hybrid retriever as a LangChain retriever: Documents carrying passage ids and scores."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    hybrid: HybridRetriever
    tools: GraphTools
    k: int = 8

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.hybrid.search(query, k=self.k)
        rows = self.tools.passages([h.passage_id for h in hits])
        docs = []
        for h in hits:
            r = rows.get(h.passage_id)
            if r:
                docs.append(Document(page_content=r["text"], metadata={
                    "passage_id": h.passage_id, "score": h.score, "file": r["file"], "title": r["title"],
                    "start": r["start"], "end": r["end"], "retrievers": dict(h.sources)}))
        return docs
