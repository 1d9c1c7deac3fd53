"""The naive vector-RAG baseline: Chroma top-k, the best passage as the answer, no graph, no abstention.

The passage's text is read by id from the store of record (Chroma keeps only vectors and citation
metadata); nothing else from the graph is used."""

from __future__ import annotations

import time

from retrieval.graph_tools import GraphTools
from retrieval.models import Answer, Citation, RetrievedPassage
from stores.embeddings import Embeds
from stores.vectorstore import VectorStore


class NaiveRAG:
    def __init__(self, store: VectorStore, embedder: Embeds, tools: GraphTools, k: int = 10):
        self.store, self.embedder, self.tools, self.k = store, embedder, tools, k

    def ask(self, question: str) -> Answer:
        t = time.perf_counter()
        hits = self.store.query(self.embedder.embed_one(question or " "), self.k)
        retrieved = [RetrievedPassage(passage_id=h.passage_id, document=h.metadata.get("file", ""), score=h.score)
                     for h in hits]
        if not hits:
            return Answer(question=question, answer="", abstained=False, retrieved=retrieved)
        best = hits[0]
        # "" for a vector the graph lacks (`tipkg doctor` reports those)
        text = self.tools.passages([best.passage_id]).get(best.passage_id, {}).get("text", "")
        cite = Citation(n=1, passage_id=best.passage_id, document=best.metadata.get("file", ""),
                        title=best.metadata.get("title", ""), start=best.metadata.get("start", 0),
                        end=best.metadata.get("end", 0), quote=text, verified=True)
        return Answer(question=question, answer=f"{text} [1]", abstained=False, citations=[cite], retrieved=retrieved,
                      timings_ms={"total": round((time.perf_counter() - t) * 1000, 1)})
