"""Neo4j connections: one `Graph` per process, read-only and write paths kept apart.

Anything that comes from outside (a user's `tipkg cypher`, an LLM) goes through `run_untrusted`,
which validates the text and then executes it in a READ access-mode transaction, so the server
itself refuses writes even if the validator misses one.
"""

from __future__ import annotations

from typing import Any

import neo4j
from neo4j import READ_ACCESS, GraphDatabase
from neo4j.exceptions import AuthError, ClientError, ServiceUnavailable, SessionExpired

from kg.readonly import UnsafeQueryError, check_read_only
from kg.settings import Settings

DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"


class Neo4jUnavailable(RuntimeError):
    """Neo4j cannot be reached: the message says where and how to fix it."""


class QueryRefused(RuntimeError):
    """A query from outside was refused (it writes, or calls something not allowed)."""


def _unavailable(settings: Settings, exc: Exception) -> Neo4jUnavailable:
    hint = "start it with `tipkg neo4j start`" if settings.managed_neo4j else "check NEO4J_URI"
    return Neo4jUnavailable(f"Neo4j is not reachable at {settings.bolt_uri} ({hint}). [{type(exc).__name__}]")


class Graph:
    """A thin wrapper around the driver: parameterised reads and writes with clear errors."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.database = settings.neo4j_database
        try:
            password = settings.password()
        except RuntimeError as exc:
            raise Neo4jUnavailable(str(exc)) from exc
        # The URI's scheme picks the driver: bolt:// one server; neo4j:// routing (a cluster, or one server
        # that routes to itself); +s (Aura) and +ssc add TLS. No TLS options are passed here because the
        # driver refuses them beside a +s/+ssc scheme.
        self._driver = GraphDatabase.driver(
            settings.bolt_uri,
            auth=(settings.neo4j_user, password),
            connection_timeout=settings.neo4j_connect_timeout_s,
            # Fail fast instead of retrying for 30 s when the server is down.
            max_transaction_retry_time=settings.neo4j_connect_timeout_s,
            connection_acquisition_timeout=settings.neo4j_connect_timeout_s + 1,
            max_connection_pool_size=50,
            notifications_min_severity="OFF",
        )

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ping(self) -> None:
        try:
            self._driver.verify_connectivity()
        except AuthError as exc:
            raise Neo4jUnavailable(f"Neo4j rejected the credentials for user '{self.settings.neo4j_user}'.") from exc
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise _unavailable(self.settings, exc) from exc

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """Run a trusted, parameterised read (one of the project's own templates)."""
        return self._run(query, params, neo4j.READ_ACCESS)

    def write(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return self._run(query, params, neo4j.WRITE_ACCESS)

    def run_untrusted(self, query: str, params: dict[str, Any] | None = None, limit: int = 1000) -> list[dict]:
        """Validate and run text from outside in a read-only transaction."""
        try:
            check_read_only(query)
        except UnsafeQueryError as exc:
            raise QueryRefused(str(exc)) from exc
        try:
            rows = self._run(query, params or {}, READ_ACCESS, limit=limit)
        except ClientError as exc:
            code = exc.code or ""
            if "Forbidden" in code or "AccessMode" in code or "WriteOnReadOnly" in code:
                raise QueryRefused(f"Refused by Neo4j: this is a read-only connection ({code}).") from exc
            raise QueryRefused(f"Neo4j rejected the query: {exc.message}") from exc
        return rows

    def _run(self, query: str, params: dict[str, Any], mode: str, limit: int | None = None) -> list[dict]:
        def work(tx: neo4j.ManagedTransaction) -> list[dict]:
            result = tx.run(query, params)
            out = []
            for record in result:
                out.append(record.data())
                if limit is not None and len(out) >= limit:
                    break
            return out

        try:
            with self._driver.session(database=self.database, default_access_mode=mode) as session:
                if mode == READ_ACCESS:
                    return session.execute_read(work)
                return session.execute_write(work)
        except AuthError as exc:
            raise Neo4jUnavailable(f"Neo4j rejected the credentials for user '{self.settings.neo4j_user}'.") from exc
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise _unavailable(self.settings, exc) from exc
        except ClientError as exc:
            if exc.code == DATABASE_NOT_FOUND:  # a misspelt TIPKG_NEO4J_DATABASE is a setting to fix, not a bug
                raise Neo4jUnavailable(
                    f"Neo4j at {self.settings.bolt_uri} has no database '{self.database}' "
                    f"(TIPKG_NEO4J_DATABASE; Community has only 'neo4j').") from exc
            raise
