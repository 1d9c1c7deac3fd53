"""Neo4j connections: one `Graph` per process, read-only and write paths kept apart.

Anything that comes from outside (a user's `tipkg cypher`, an LLM) goes through `run_untrusted`,
which validates the text (kg.readonly) and then executes it in a READ access-mode transaction with a
timeout (`TIPKG_QUERY_TIMEOUT_S`), so the server itself refuses writes, and stops a query that runs
too long or needs too much memory, even if the validator misses something.
"""

from __future__ import annotations

from typing import Any

import neo4j
from neo4j import READ_ACCESS, GraphDatabase
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DatabaseError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from kg.readonly import UnsafeQueryError, check_read_only
from kg.settings import Settings

DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"


class Neo4jUnavailable(RuntimeError):
    """Neo4j cannot be reached: the message says where and how to fix it."""


class Neo4jBusy(Neo4jUnavailable):
    """Neo4j is up but could not finish the work (out of transaction memory, a transient failure)."""


class QueryRefused(RuntimeError):
    """A query from outside was refused (it writes, calls something not allowed, or Neo4j stopped it)."""


class QueryTimeout(QueryRefused):
    """A query from outside ran past the read path's timeout and the server stopped it."""


RATE_LIMITED = "Neo.ClientError.Security.AuthenticationRateLimit"
_TIMED_OUT = ("Neo.ClientError.Transaction.TransactionTimedOut",
              "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration")
_OUT_OF_MEMORY = ("Neo.TransientError.General.MemoryPoolOutOfMemoryError",
                  "Neo.TransientError.General.TransactionMemoryLimit")


def _unavailable(settings: Settings, exc: Exception) -> Neo4jUnavailable:
    hint = "start it with `tipkg neo4j start`" if settings.managed_neo4j else "check NEO4J_URI"
    return Neo4jUnavailable(f"Neo4j is not reachable at {settings.bolt_uri} ({hint}). [{type(exc).__name__}]")


def _login_refused(settings: Settings, exc: Neo4jError) -> Neo4jUnavailable:
    if exc.code == RATE_LIMITED:
        return Neo4jUnavailable(
            f"Neo4j refuses logins for user '{settings.neo4j_user}' for a few seconds after too many wrong "
            f"passwords ({RATE_LIMITED}); check the password, then try again.")
    return Neo4jUnavailable(f"Neo4j rejected the credentials for user '{settings.neo4j_user}'.")


def _first_line(exc: Neo4jError) -> str:
    text = (exc.message or str(exc)).strip()
    return text.splitlines()[0] if text else (exc.code or "?")


def _busy(exc: Neo4jError) -> Neo4jBusy:
    if exc.code in _OUT_OF_MEMORY:
        return Neo4jBusy(f"Neo4j ran out of the memory it allows transactions ({exc.code}): {_first_line(exc)}")
    return Neo4jBusy(f"Neo4j could not finish the request just now ({exc.code}); try again.")


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
            raise _login_refused(self.settings, exc) from exc
        except ClientError as exc:
            if exc.code == RATE_LIMITED:
                raise _login_refused(self.settings, exc) from exc
            raise
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
        return self._run_read_only(query, params or {}, limit)

    def _run_read_only(self, query: str, params: dict[str, Any], limit: int) -> list[dict]:
        """The read path behind the gate, which tests also call without it to show what the server
        itself refuses. One explicit transaction, never retried: a managed one would run a query that
        ran out of memory (a transient error) again and again."""
        timeout = self.settings.query_timeout_s
        try:
            with self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as session:
                tx = session.begin_transaction(timeout=timeout)
                try:
                    out = []
                    for record in tx.run(query, params):
                        out.append(record.data())
                        if len(out) >= limit:
                            break
                    return out
                finally:
                    tx.close()  # rolls back: nothing to keep, and the rows past the limit are dropped
        except AuthError as exc:
            raise _login_refused(self.settings, exc) from exc
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise _unavailable(self.settings, exc) from exc
        except ClientError as exc:
            code = exc.code or ""
            if code in _TIMED_OUT:
                raise QueryTimeout(f"The query ran past {timeout:g} s and was stopped "
                                   f"(TIPKG_QUERY_TIMEOUT_S sets the limit).") from exc
            if code == RATE_LIMITED:
                raise _login_refused(self.settings, exc) from exc
            if "Forbidden" in code or "AccessMode" in code or "WriteOnReadOnly" in code:
                raise QueryRefused(f"Refused by Neo4j: this is a read-only connection ({code}).") from exc
            raise QueryRefused(f"Neo4j rejected the query: {exc.message}") from exc
        except TransientError as exc:
            if exc.code in _OUT_OF_MEMORY:
                raise QueryRefused(f"The query needed more memory than Neo4j allows one query and was stopped "
                                   f"({exc.code}); narrow it down or add a LIMIT.") from exc
            raise QueryRefused(f"Neo4j could not run the query just now ({exc.code}); try again.") from exc
        except DatabaseError as exc:
            raise QueryRefused(f"Neo4j failed on the query ({exc.code}): {_first_line(exc)}") from exc

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
            raise _login_refused(self.settings, exc) from exc
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise _unavailable(self.settings, exc) from exc
        except ClientError as exc:
            if exc.code == RATE_LIMITED:
                raise _login_refused(self.settings, exc) from exc
            if exc.code == DATABASE_NOT_FOUND:  # a misspelt TIPKG_NEO4J_DATABASE is a setting to fix, not a bug
                raise Neo4jUnavailable(
                    f"Neo4j at {self.settings.bolt_uri} has no database '{self.database}' "
                    f"(TIPKG_NEO4J_DATABASE; Community has only 'neo4j').") from exc
            raise
        except TransientError as exc:  # still failing after the driver's retries
            raise _busy(exc) from exc
