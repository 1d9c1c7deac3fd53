"""The embedder's parallel path (many texts, several single-threaded copies of the model) must give the
vectors one model gives, in the caller's order, and leave the caller's torch settings alone."""

from __future__ import annotations

import numpy as np
import pytest

from stores.embeddings import Embedder


@pytest.fixture(scope="module")
def two_workers():
    e = Embedder(batch_size=8, workers=2)
    yield e
    e.close()


def _texts(n: int) -> list[str]:
    # Lengths that differ and repeat out of order, so a batch mix-up or an unsorted reassembly shows.
    words = "traffickers recruited workers through online job ads and held them in compounds".split()
    return [f"passage {i}: " + " ".join(words[: 1 + (i * 7) % len(words)]) for i in range(n)]


def test_many_texts_are_embedded_side_by_side_like_one_model_would(two_workers):
    texts = _texts(45)  # several batches of 8 and a ragged last one
    parallel = two_workers.embed(texts)
    single = two_workers._encode(two_workers.model, texts)
    assert two_workers._pool is not None, "45 texts in batches of 8 should take the parallel path"
    assert parallel.shape == (45, 384) and parallel.dtype == np.float32
    assert np.abs(parallel - single).max() < 1e-5
    assert np.allclose(np.linalg.norm(parallel, axis=1), 1.0, atol=1e-5)
    assert two_workers.worker_cpu_seconds > 0


def test_the_caller_keeps_its_torch_threads(two_workers):
    import torch

    before = torch.get_num_threads()
    two_workers.embed(_texts(40))
    assert torch.get_num_threads() == before


def test_a_failed_batch_raises_and_the_embedder_still_works(two_workers, monkeypatch):
    real = Embedder._encode

    def flaky(self, model, texts):
        if any("passage 13:" in t for t in texts):
            raise RuntimeError("worker failed")
        return real(self, model, texts)

    monkeypatch.setattr(Embedder, "_encode", flaky)
    with pytest.raises(RuntimeError, match="worker failed"):
        two_workers.embed(_texts(40))
    monkeypatch.undo()
    # Every copy of the model went back to the pool: a second run needs both and must not hang.
    assert two_workers._free.qsize() == 2
    assert two_workers.embed(_texts(40)).shape == (40, 384)


def test_a_closed_embedder_starts_its_workers_again(two_workers):
    two_workers.embed(_texts(40))
    two_workers.close()
    assert two_workers._pool is None
    assert two_workers.embed(_texts(40)).shape == (40, 384)
    assert two_workers._free.qsize() == 2  # each copy once, never the shared model twice


def test_a_few_texts_use_the_one_model_without_starting_workers():
    e = Embedder(batch_size=8, workers=2)
    v = e.embed(_texts(15))  # fewer than two batches
    assert v.shape == (15, 384) and e._pool is None


def test_the_question_model_gives_the_passage_models_vectors(two_workers, tmp_path):
    """Questions are embedded by an ONNX export of the same weights (no torch at answer time); a question
    and the passages it is matched against must land in the same space, long inputs cut where
    sentence-transformers cuts them."""
    from stores.query_embedder import OnnxEmbedder, export, onnx_file, query_embedder

    assert isinstance(query_embedder(tmp_path), Embedder)  # no export yet: the torch model, not a failure
    path = export(tmp_path)
    assert path == onnx_file(tmp_path) and path.exists() and not list(path.parent.glob("*.partial"))
    assert export(tmp_path) == path  # made once
    onnx = query_embedder(tmp_path)
    assert isinstance(onnx, OnnxEmbedder)
    texts = ["What tier is Myanmar in?", "", "Marijana Savić founded Atina in Serbia.",
             "how many " * 400, *_texts(40)]  # one text far beyond the model's 256 tokens; several batches
    ours, theirs = onnx.embed(texts), two_workers.embed(texts)
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    assert (ours * theirs).sum(axis=1).min() > 0.99999
    assert np.abs(onnx.embed_one(texts[0]) - ours[0]).max() < 1e-5  # alone or in a batch, the same vector
    assert onnx.embed([]).shape == (0, 384)
