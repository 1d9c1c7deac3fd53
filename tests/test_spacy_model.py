"""spaCy can be loaded without importing torch (most of its import time), and reads text as it does with torch."""

from __future__ import annotations

import json
import subprocess
import sys

from kg.settings import PROJECT_ROOT

PARSE = """
import json, sys
if sys.argv[1] == "torch-first":
    import torch
from text.spacy_model import load_english
nlp = load_english(hide_torch=True, disable=["lemmatizer"])
torch_loaded = "torch" in sys.modules
doc = nlp("Marijana Savić founded Atina in Serbia, which the 2024 report placed on the Tier 2 Watch List.")
import torch  # still importable afterwards
print(json.dumps({"torch_loaded": torch_loaded, "tokens": [(t.pos_, t.dep_, t.ent_type_) for t in doc],
                  "ents": [(e.text, e.label_) for e in doc.ents]}))
"""


def _parse(first: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PARSE, first], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_spacy_loads_without_torch_and_parses_the_same():
    plain, with_torch = _parse("spacy-first"), _parse("torch-first")
    assert plain["torch_loaded"] is False
    assert ["Marijana Savić", "PERSON"] in plain["ents"]
    assert plain["tokens"] == with_torch["tokens"] and plain["ents"] == with_torch["ents"]
