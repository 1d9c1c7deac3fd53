"""Models load from the packages that ship them, never from a hub: the one place that says so.

huggingface_hub reads these variables when it is first imported, so entry points call `ensure_offline()`
before anything that may import it; the model loaders call it again for library users."""

from __future__ import annotations

import os

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


def ensure_offline() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
