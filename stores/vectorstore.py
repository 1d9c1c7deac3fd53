"""Chroma: one collection of passage vectors, ids equal to the graph's passage ids.

It holds vectors and the metadata a citation needs (file, title, offsets) plus a hash of the text; the
text itself lives in the graph, the store of record. Storing it here too made each upsert ~1.5x as
costly (Chroma's SQLite copy and full-text index of every document), and an upsert holds the GIL for
its whole call, which stalls the embedding model running beside it.

Local by default (PersistentClient under the state folder); a Chroma server when
TIPKG_CHROMA_HOST is set. Vectors are always computed by our own Embedder, so Chroma's default
embedding function (which would download a model) is never used.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import SecretStr

from kg.settings import Settings


class ChromaUnavailable(RuntimeError):
    pass


def local_index_problem(settings: Settings) -> str | None:
    """Why the local index's SQLite file is unreadable, or None. Asked of SQLite itself, before Chroma
    opens the folder: Chroma keeps a failed opening cached for the path for the life of the process, so
    a repair must know before it tries."""
    db = settings.chroma_dir / "chroma.sqlite3"
    if settings.chroma_host or not db.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as exc:
        return str(exc)
    return None if verdict == "ok" else verdict


def set_aside(settings: Settings) -> Path:
    """Move an unreadable local index out of the way, never delete it: it may hold the only copy of
    something, and whoever repairs may want to look at it. Returns where it went."""
    if settings.chroma_host:
        raise ChromaUnavailable("The vector index is a Chroma server: repair it there, not from this machine.")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = settings.chroma_dir.with_name(f"{settings.chroma_dir.name}.unreadable-{stamp}")
    n = 1
    while aside.exists():
        aside, n = aside.with_name(f"{settings.chroma_dir.name}.unreadable-{stamp}-{n}"), n + 1
    settings.chroma_dir.rename(aside)
    return aside


def _file_identity(settings: Settings) -> tuple[int, int] | None:
    """(device, inode) of the local index's SQLite file, or None when there is none (or it is remote)."""
    if settings.chroma_host:
        return None
    try:
        st = (settings.chroma_dir / "chroma.sqlite3").stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


@dataclass
class VectorHit:
    passage_id: str
    score: float  # cosine similarity
    metadata: dict


TOKEN_PROVIDER = "chromadb.auth.token_authn.TokenAuthClientProvider"


def _auth(settings: Settings) -> dict:
    """Chroma's own token client provider, so the header is exactly what its token-auth servers expect."""
    if settings.chroma_token is None:
        return {}
    token = settings.chroma_token
    return {"chroma_client_auth_provider": TOKEN_PROVIDER,
            "chroma_client_auth_credentials": token.get_secret_value() if isinstance(token, SecretStr) else str(token),
            "chroma_auth_token_transport_header": settings.chroma_token_header}


def _client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False, **_auth(settings))
    try:
        if settings.chroma_host:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, ssl=settings.chroma_ssl,
                                       tenant=settings.chroma_tenant, database=settings.chroma_database,
                                       settings=chroma_settings)
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except Exception as exc:  # chromadb raises several unrelated types for a bad folder or host
        if settings.chroma_host:
            raise ChromaUnavailable(
                f"The Chroma server at {settings.chroma_host}:{settings.chroma_port} refused or did not answer "
                f"({exc}); check TIPKG_CHROMA_HOST, TIPKG_CHROMA_PORT and TIPKG_CHROMA_TOKEN.") from exc
        raise ChromaUnavailable(
            f"Chroma could not be opened at {settings.chroma_dir} ({exc}). If the folder is corrupt, "
            f"`tipkg doctor --repair` sets it aside and rebuilds it from the graph."
        ) from exc


class VectorStore:
    """`create=False` (the answerer) opens an existing index only: a missing one is an error that says
    to ingest, never an empty store that would answer "the sources don't say" to everything."""

    def __init__(self, settings: Settings, create: bool = True):
        self.settings = settings
        if not create and not settings.chroma_host and not (settings.chroma_dir / "chroma.sqlite3").exists():
            raise ChromaUnavailable(f"There is no vector index at {settings.chroma_dir}: run `tipkg ingest` first.")
        self._client = _client(settings)
        try:
            if create:
                self.collection = self._client.get_or_create_collection(
                    settings.chroma_collection, metadata={"hnsw:space": "cosine"}, embedding_function=None,
                )
            else:
                self.collection = self._client.get_collection(settings.chroma_collection, embedding_function=None)
        except Exception as exc:
            hint = " Run `tipkg ingest` to build it." if not create else ""
            raise ChromaUnavailable(f"Chroma collection '{settings.chroma_collection}' unusable: {exc}.{hint}") from exc
        self._opened = _file_identity(settings)

    def replaced(self) -> bool:
        """Whether the local index's file is gone or is another file than the one opened (a folder
        deleted, or rebuilt, by another process). One stat: cheap enough to ask before every question."""
        if self.settings.chroma_host:
            return False
        now = _file_identity(self.settings)
        return now is None or (self._opened is not None and now != self._opened)

    def close(self) -> None:
        """Release the client: Chroma shares one system per folder in a process, and a folder that was
        deleted, rebuilt or written by another process is only seen afresh once every holder let go. So
        whatever opens a store for one job (an ingest, a repair) closes it: one left open keeps the old
        system, and a running answerer that reopens would get it back, stale."""
        try:
            self._client.close()
        except Exception:  # noqa: BLE001 - closing a broken store must not hide why it broke
            pass

    def __enter__(self) -> VectorStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def count(self) -> int:
        return self.collection.count()

    def upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None:
        for i in range(0, len(ids), 1000):
            self.collection.upsert(ids=ids[i:i + 1000], embeddings=vectors[i:i + 1000], metadatas=metadatas[i:i + 1000])

    def existing(self, ids: list[str]) -> dict[str, dict]:
        """Metadata of those ids already stored."""
        out: dict[str, dict] = {}
        for i in range(0, len(ids), 1000):
            got = self.collection.get(ids=ids[i:i + 1000], include=["metadatas"])
            out.update(dict(zip(got["ids"], got["metadatas"])))
        return out

    def all_ids(self) -> list[str]:
        return list(self.collection.get(include=[])["ids"])

    def delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 1000):
            if ids[i:i + 1000]:
                self.collection.delete(ids=ids[i:i + 1000])

    def query(self, vector: np.ndarray, k: int = 10) -> list[VectorHit]:
        try:
            res = self.collection.query(query_embeddings=[vector.tolist()], n_results=k,
                                        include=["metadatas", "distances"])
        except Exception:  # noqa: BLE001 - chromadb raises on an empty or smaller collection
            n = self.count()
            if n == 0:
                return []
            res = self.collection.query(query_embeddings=[vector.tolist()], n_results=min(k, n),
                                        include=["metadatas", "distances"])
        return [
            VectorHit(pid, 1.0 - float(dist), meta or {})
            for pid, dist, meta in zip(res["ids"][0], res["distances"][0], res["metadatas"][0])
        ]
