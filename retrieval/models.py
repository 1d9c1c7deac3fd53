"""What the answerer returns (the UI, the CLI's --json and the evaluation all read this)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Citation(BaseModel):
    n: int
    passage_id: str | None  # None for a tier-table row
    document: str  # file name (or the tier table's)
    title: str
    start: int  # span in the original file (characters); for the table, the line number twice
    end: int
    quote: str  # verbatim supporting text
    outlet: str = ""
    source: str | None = None  # the table row's own cited source
    also_in: list[str] = Field(default_factory=list)  # other documents carrying the same text
    pages: list[int] = Field(default_factory=list)  # a PDF's page(s) the quote is on; [] for unpaged files
    verified: bool = False


class GraphFact(BaseModel):
    subject: str
    predicate: str
    object: str
    year: int | None = None
    source: str | None = None
    citation: int | None = None


class RetrievedPassage(BaseModel):
    passage_id: str
    document: str
    score: float


class LLMTrace(BaseModel):
    """LLM mode: what the model wrote, what the check kept and dropped (and why), what came of it."""

    provider: str
    raw: str = ""
    kept: list[str] = Field(default_factory=list)
    dropped: list[dict] = Field(default_factory=list)  # {"sentence": ..., "why": ...}
    outcome: str = ""
    error: str | None = None


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    graph_facts: list[GraphFact] = Field(default_factory=list)
    shape: str = "fact"
    reported_in: int | None = None
    retrieved: list[RetrievedPassage] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    error: str | None = None
    abstain_reason: str | None = None  # why it abstained (retrieval.abstain.Reason), when it did
    answer_type: str | None = None  # what the question asked for (retrieval.answer_types.AnswerType)
    llm: LLMTrace | None = None  # set in LLM mode when the model was asked
