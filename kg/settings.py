"""The one settings object. Read once at the edge (CLI, UI, tests) and passed in.

Environment: `TIPKG_*` for everything, plus the standard `NEO4J_URI`, `NEO4J_USER`
(or `NEO4J_USERNAME`), `NEO4J_PASSWORD` and `NEO4J_DATABASE`. Setting `NEO4J_URI` means "use that server":
the project then never starts or stops a Neo4j of its own.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIPKG_", extra="ignore", populate_by_name=True)

    # Where this instance keeps its state: Neo4j conf/data/logs, the password, Chroma.
    home: Path = PROJECT_ROOT / ".tipkg"
    # Shared across clones so a second checkout does not download Neo4j again.
    cache_dir: Path = Path.home() / ".cache" / "tipkg"

    neo4j_uri: str | None = Field(default=None, validation_alias=AliasChoices("NEO4J_URI", "TIPKG_NEO4J_URI"))
    neo4j_user: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_USER", "NEO4J_USERNAME", "TIPKG_NEO4J_USER")
    )
    neo4j_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_PASSWORD", "TIPKG_NEO4J_PASSWORD")
    )
    # A named database (Enterprise, Aura, clusters); Community has one user database, `neo4j` by default.
    neo4j_database: str = Field(
        default="neo4j", validation_alias=AliasChoices("TIPKG_NEO4J_DATABASE", "NEO4J_DATABASE")
    )
    neo4j_version: str = "5.26.30"
    neo4j_browser_version: str = "5.24.0"
    bolt_port: int = 7687
    http_port: int = 7474
    neo4j_heap: str = "1g"
    neo4j_pagecache: str = "256m"
    neo4j_start_timeout_s: float = 90.0
    # Bolt connect timeout: a Neo4j that is down must be reported within ~2 s.
    neo4j_connect_timeout_s: float = 2.0
    # The longest a query from outside (`tipkg cypher`, run_untrusted) may run before the server stops
    # it. The project's own reads and ingest writes have no such limit.
    query_timeout_s: float = Field(default=10.0, gt=0)

    chroma_host: str | None = None
    chroma_path: Path | None = None  # default: <home>/chroma
    chroma_port: int = 8000
    chroma_collection: str = "tipkg_passages"
    # A Chroma server behind token auth: the token is sent as `Authorization: Bearer <token>`, or bare in
    # `X-Chroma-Token` when that header is named (Chroma's two token transports). Never logged or shown.
    chroma_token: SecretStr | None = None
    chroma_token_header: str = "Authorization"
    chroma_ssl: bool = False  # https to the Chroma server
    chroma_tenant: str = "default_tenant"
    chroma_database: str = "default_database"

    corpus_dir: Path = PROJECT_ROOT / "data" / "corpus"
    tiers_csv: Path = PROJECT_ROOT / "data" / "tip_2024_tiers.csv"

    # the scratch Neo4j that `make eval` ingests each question set's corpus into
    eval_bolt_port: int = 17688
    eval_http_port: int = 17475

    ui_host: str = "127.0.0.1"
    ui_port: int = 7860
    # `user:password` for the UI's login. Anyone who reaches the port can ask, ingest and start a full
    # evaluation, so a UI bound beyond loopback refuses to start without it (`ui_auth_pair`).
    ui_auth: SecretStr | None = None
    # Questions one UI process answers at once (Gradio's queue). Answering is CPU-bound Python under one
    # GIL: more concurrent events only interleave the same work and add switching, fewer leave the
    # Neo4j/Chroma round trips unoverlapped. Measured in `make bench` (HTTP vs in-process at 20 users).
    ui_concurrency: int = Field(default=4, ge=1)

    # The cross-encoder reranks the reader's candidate sentences; off, the bi-encoder's cosine stands in
    # (for measuring what the reranker adds).
    reranker: bool = True

    vector_batch: int = 1024  # passages embedded and upserted per batch (larger batches pad less)
    max_question_chars: int = 2000
    refresh_seconds: float = 30.0  # how often a running answerer checks whether the corpus was re-ingested
    max_document_bytes: int = 5_000_000
    # PDFs get their own limit: the report itself is a PDF of hundreds of pages, far over 5 MB, and a
    # PDF is read page by page (ingest.pdf), so its size does not become memory.
    max_pdf_bytes: int = 200_000_000

    # Optional LLM: none | llamacpp | ollama | openai
    llm_provider: str = "none"
    llm_model: str | None = None
    llm_model_path: Path | None = None
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    # The local model's server (llama.cpp's, out of process): loopback only, started by the project.
    llm_port: int = 47651
    llm_context: int = 2048
    llm_threads: int = 2
    llm_max_tokens: int = 160  # a short answer: at ~12 tokens/s decode on 2 cores, this bounds the wait
    llm_timeout_s: float = 120.0
    llm_evidence: int = 8  # evidence sentences in the prompt (6-10: prompt evaluation is ~74 tokens/s here)

    @field_validator("chroma_token_header")
    @classmethod
    def _token_header(cls, header: str) -> str:
        # the two transports Chroma's token auth knows; anything else would be silently ignored by it
        for known in ("Authorization", "X-Chroma-Token"):
            if header.lower() == known.lower():
                return known
        raise ValueError("is 'Authorization' (Bearer token) or 'X-Chroma-Token'")

    @field_validator("chroma_collection")
    @classmethod
    def _chroma_name(cls, name: str) -> str:
        # Chroma's own rule, checked here so that a bad name fails at start-up, not after a long ingest
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]", name) or ".." in name:
            raise ValueError("a Chroma collection name has 3-512 letters, digits, '.', '_' or '-', starts and "
                             "ends with a letter or digit, and has no '..'")
        return name

    @property
    def managed_neo4j(self) -> bool:
        """True when the project runs its own Neo4j (no NEO4J_URI given)."""
        return self.neo4j_uri is None

    @property
    def neo4j_home(self) -> Path:
        return self.home / "neo4j"

    @property
    def password_file(self) -> Path:
        return self.neo4j_home / "password"

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        if not self.managed_neo4j:
            return "(external Neo4j: open its own Browser)"
        # `dbms=` pre-fills Browser's connect form: bolt://localhost:<port> and the user (the URL's user part)
        return f"http://localhost:{self.http_port}/browser/?dbms={self.browser_dbms}"

    @property
    def browser_dbms(self) -> str:
        return f"bolt://{self.neo4j_user}@localhost:{self.bolt_port}"

    @property
    def ui_url(self) -> str:
        return f"http://{self.ui_host}:{self.ui_port}/"

    @property
    def ui_loopback(self) -> bool:
        return is_loopback(self.ui_host)

    def ui_auth_pair(self) -> tuple[str, str] | None:
        """The UI's (user, password), or None on loopback without one; refuses an open non-loopback UI."""
        raw = self.ui_auth
        value = raw.get_secret_value() if isinstance(raw, SecretStr) else (raw or "")
        if not value:
            if self.ui_loopback:
                return None
            raise ValueError(
                f"The UI would listen on {self.ui_host}, beyond this machine, with no login: anyone who reaches "
                f"the port could ingest documents and start evaluations. Set TIPKG_UI_AUTH=user:password, or "
                f"bind to 127.0.0.1.")
        user, sep, password = value.partition(":")
        if not sep or not user or not password:
            raise ValueError("TIPKG_UI_AUTH is `user:password`, both parts non-empty.")
        return user, password

    @property
    def llm_server_url(self) -> str:
        return f"http://127.0.0.1:{self.llm_port}/v1"

    @property
    def chroma_dir(self) -> Path:
        return self.chroma_path or self.home / "chroma"

    @property
    def runs_dir(self) -> Path:
        return self.home / "eval-runs"

    def password(self) -> str:
        """The Neo4j password: the environment wins, else the one generated at install."""
        pw = self.neo4j_password
        if pw is not None:  # model_copy(update=...) may hand in a plain str
            return pw.get_secret_value() if isinstance(pw, SecretStr) else str(pw)
        if self.password_file.exists():
            return self.password_file.read_text().strip()
        raise RuntimeError(
            f"No Neo4j password: set NEO4J_PASSWORD, or run `tipkg neo4j start` once so that one is "
            f"generated in {self.password_file}."
        )
