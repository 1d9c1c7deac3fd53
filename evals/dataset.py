"""Question sets: one JSON object per line (id, kind, question, must, sources, optional gold_passages)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError


class QAItem(BaseModel):
    id: str
    kind: str = "fact"
    question: str
    must: list[list[str]] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    gold_passages: list[str] = Field(default_factory=list)

    @property
    def expects_abstention(self) -> bool:
        return not self.must


def load_qa(path: Path) -> list[QAItem]:
    if not Path(path).exists():
        raise FileNotFoundError(f"{path}: no such question set")
    items, ids = [], set()
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = QAItem.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise ValueError(f"{path}:{n}: not a valid question ({str(exc).splitlines()[0]})") from exc
        if item.id in ids:
            raise ValueError(f"{path}:{n}: duplicate id {item.id}")
        ids.add(item.id)
        items.append(item)
    if not items:
        raise ValueError(f"{path}: no questions")
    return items
