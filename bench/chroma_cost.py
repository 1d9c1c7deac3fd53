"""What a Chroma upsert costs with and without a copy of each passage's text.

Upserts N random unit vectors (default 60,000) in batches of 1,000 into a scratch collection, each layout
in a fresh process, and reports wall and CPU seconds (all the process's threads):

  ingest     what ingest writes: the vector and ingest.vectortext.vector_metadata (no document)
  documents  the layout before: the passage text as the document, and ten metadata keys

The upsert holds the GIL for its whole call, so its wall time is also time the model thread beside it
cannot dispatch work (see bench.gil_probe chroma).

Run: python -m bench.chroma_cost [N]   (a few minutes; not part of `make bench`)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time

LAYOUTS = ("ingest", "documents")
TITLE = "A news story about trafficking"


def scratch_collection():
    """An empty cosine collection in a new temporary folder, opened the way ingest opens its own."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=tempfile.mkdtemp(prefix="tipkg-chroma-probe-"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    return client.get_or_create_collection("probe", embedding_function=None, metadata={"hnsw:space": "cosine"})


def synthetic_passages(texts: list[str], first: int = 0) -> list:
    """Passages of 20 per document, numbered from `first`, with the given texts."""
    from ingest.models import Passage

    return [Passage(f"doc{i // 20:06d}:p{i % 20:03d}", f"doc{i // 20:06d}", i % 20, t, i * 500, i * 500 + len(t), "")
            for i, t in enumerate(texts, start=first)]


def one(layout: str, n: int) -> dict:
    import numpy as np

    from bench.generate import passage_texts
    from bench.run import cpu_seconds
    from ingest.vectortext import text_hash, vector_metadata

    texts = passage_texts(n)
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    passages = synthetic_passages(texts)
    ids = [p.passage_id for p in passages]
    if layout == "ingest":
        metas = [vector_metadata(p, TITLE, f"{p.doc_id}.txt") for p in passages]
    else:
        metas = [{"doc_id": p.doc_id, "file": f"{p.doc_id}.txt", "prefix": p.doc_id[:8], "title": TITLE,
                  "outlet": "Outlet", "start": p.start, "end": p.end, "ordinal": p.ordinal, "section": "",
                  "text_hash": text_hash(p.text)} for p in passages]
    collection = scratch_collection()
    cpu, t = cpu_seconds(), time.perf_counter()
    for i in range(0, n, 1000):
        batch = {"ids": ids[i:i + 1000], "embeddings": vectors[i:i + 1000], "metadatas": metas[i:i + 1000]}
        if layout == "documents":
            batch["documents"] = texts[i:i + 1000]
        collection.upsert(**batch)
    return {"layout": layout, "vectors": collection.count(), "wall_s": round(time.perf_counter() - t, 1),
            "cpu_s": round(cpu_seconds() - cpu, 1)}


def main(n: int) -> None:
    for layout in LAYOUTS:
        out = subprocess.run([sys.executable, "-m", "bench.chroma_cost", "--one", layout, str(n)],
                             capture_output=True, text=True, check=True)
        print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(sys.argv[2], int(sys.argv[3]))))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 60_000)
