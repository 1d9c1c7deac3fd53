"""Why ingest cannot fully hide its other work behind the model on a small machine: embedding
throughput of the model alone with 1 and 2 torch threads, and with the batch sizes ingest could use.
`python -m bench.embed_probe [N]` prints one JSON object (measured side by side, same passages)."""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main(n: int = 2048) -> dict:
    import torch

    from bench.generate import passage_texts
    from retrieval.embeddings import Embedder

    texts = passage_texts(n)
    e = Embedder()
    e.embed(texts[:64])

    def rate(batch: int) -> float:
        t = time.perf_counter()
        for i in range(0, len(texts), batch):
            e.embed(texts[i:i + batch])
        return round(len(texts) / (time.perf_counter() - t), 1)

    out = {"passages": len(texts), "cores": os.cpu_count(), "torch_threads_default": torch.get_num_threads()}
    out["one_call_per_s"] = rate(len(texts))
    for b in (256, 1024):
        out[f"batches_of_{b}_per_s"] = rate(b)
    default = torch.get_num_threads()
    torch.set_num_threads(1)
    out["one_thread_one_call_per_s"] = rate(len(texts))
    torch.set_num_threads(default)
    return out


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2048)))
