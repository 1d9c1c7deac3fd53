"""The stores and models both ingest and retrieval use: Chroma, the embedder, the reranker."""
