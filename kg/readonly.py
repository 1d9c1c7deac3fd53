"""A first, strict gate for Cypher that comes from outside (users, LLMs).

It is a guard in front of the real protection (a READ access-mode transaction, which makes the
server refuse writes). Its job is to refuse early, with a clear reason, what a read transaction
would still let through or what has no business in an exploration query: file and network access
(LOAD CSV, apoc), admin procedures, several statements at once.
"""

from __future__ import annotations

import re
import unicodedata


class UnsafeQueryError(ValueError):
    pass


_WRITE_CLAUSES = (
    "CREATE", "MERGE", "DELETE", "DETACH", "SET", "REMOVE", "DROP", "FOREACH",
    "LOAD", "GRANT", "DENY", "REVOKE", "ALTER", "RENAME", "START", "STOP", "TERMINATE",
    "ENABLE", "DISABLE", "USE",
)
_ALLOWED_PROCEDURE_PREFIXES = ("db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.",
                               "db.index.fulltext.querynodes", "db.indexes", "db.constraints")
_STRING_OR_COMMENT = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.DOTALL)
MAX_QUERY_CHARS = 5000


def _strip_literals(query: str) -> str:
    """Blank out string literals, quoted names and comments so keywords inside them don't count."""
    return _STRING_OR_COMMENT.sub(" ", query)


def check_read_only(query: str) -> str:
    """Return the normalised query, or raise UnsafeQueryError saying why it is refused."""
    if not query or not query.strip():
        raise UnsafeQueryError("The query is empty.")
    if len(query) > MAX_QUERY_CHARS:
        raise UnsafeQueryError(f"The query is longer than {MAX_QUERY_CHARS} characters.")
    # NFKC folds look-alike letters (fullwidth 'ＣＲＥＡＴＥ') into the keywords they imitate.
    normalised = unicodedata.normalize("NFKC", query)
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\r\t" for ch in normalised):
        raise UnsafeQueryError("The query contains control or invisible format characters.")
    bare = _strip_literals(normalised)
    if ";" in bare.strip().rstrip(";"):
        raise UnsafeQueryError("Only one statement at a time is allowed.")
    upper = bare.upper()
    for word in _WRITE_CLAUSES:
        if re.search(rf"\b{word}\b", upper):
            raise UnsafeQueryError(f"Only read queries are allowed here ('{word}' is not).")
    if re.search(r"\bUSING\s+PERIODIC\b|\bCALL\s*\{[^}]*\}\s*IN\s+TRANSACTIONS", upper):
        raise UnsafeQueryError("Transactional subqueries are not allowed here.")
    for match in re.finditer(r"\bCALL\s+([A-Za-z_][\w.]*)", bare, re.IGNORECASE):
        name = match.group(1).lower()
        if not name.startswith(_ALLOWED_PROCEDURE_PREFIXES):
            raise UnsafeQueryError(f"Procedure '{match.group(1)}' is not allowed here.")
    if re.search(r"\bapoc\.|\bdbms\.|\bgds\.", bare, re.IGNORECASE):
        raise UnsafeQueryError("apoc, dbms and gds functions are not allowed here.")
    return normalised
