"""The gate for Cypher that comes from outside (users, LLMs): it reads the query the way Neo4j does.

Neo4j 5.26 Community has no role management (`CREATE ROLE` is an "unsupported administration
command") and every user it has may do everything, so no server-side user can be limited to reads.
What the server does enforce on the read path (see `kg.driver.Graph.run_untrusted` and the conf in
`kg.server`): a READ access-mode transaction (no writes to any database, `system` included), LOAD CSV
off for files and for every address, a per-transaction timeout and a memory limit. What it does not
stop in a READ transaction, and only this gate does: built-in DBMS procedures (`dbms.listConfig`,
`dbms.killConnections`, `db.clearQueryCaches`, ...; `dbms.security.procedures.allowlist` only
filters plugin procedures), `SHOW TRANSACTIONS` (other sessions' query text), `TERMINATE
TRANSACTIONS`, `SHOW SETTINGS`.

How Neo4j 5.26 reads a query, checked against the server (tests/test_readonly.py sends the same
queries to it):
- every `\\uXXXX` is decoded before lexing, outside strings and inside them, in comments and in
  backticked names alike: `'a\\u0027` closes the string, `// x \\u000a CREATE` is a comment then a
  CREATE, `\\u005c` is a backslash that escapes what follows. A backslash starts an escape only after
  an even number of backslashes (Java's rule); `\\uu0027` and a `\\u` without four hex digits are
  errors. Decoding happens once (`\\u005cu0027` is a backslash, then `u0027`).
- a `//` comment ends at `\\n` or `\\r` (not at U+2028, U+2029, U+0085, VT or FF); `/* */` does not
  nest; an unterminated comment, string or backticked name is an error.
- in a string, a backslash takes the next character with it, whatever it is; `''` is two strings.
- the 8-digit `\\UXXXXXXXX` form is no escape to 5.26, in a string or outside: a string keeps the
  backslash and the digits (`'a\\U00000027` does not close), and outside one it is a stray backslash.
- `` `a``b` `` is one name with a backtick in it; procedure names are case-sensitive and
  `` `db`.`labels` `` is `db.labels`.
- a trailing `;` is accepted; a second statement is not.

So the gate decodes the escapes the same way, lexes the result, and then decides on tokens. To stay
safe where a reading could still differ, it refuses a `\\u` escape anywhere but inside a string,
and one that decodes to a quote or a backslash (write `\\'` instead of `\\u0027`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


class UnsafeQueryError(ValueError):
    pass


MAX_QUERY_CHARS = 5000

# Clause and command words that write, reach outside the database, administer it, or read other
# sessions' state (SHOW TRANSACTIONS shows their query text). INSERT is Cypher 5's synonym for CREATE.
FORBIDDEN_WORDS = frozenset({
    "CREATE", "INSERT", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "FOREACH", "LOAD",
    "TERMINATE", "SHOW", "GRANT", "DENY", "REVOKE", "ALTER", "RENAME", "START", "STOP", "ENABLE",
    "DISABLE", "USE", "TRANSACTIONS", "PERIODIC", "DEALLOCATE", "REALLOCATE",
})

# Procedures a reader may CALL (lower case: Neo4j's own lookup is case-sensitive, so comparing
# lower-cased names never lets through more than the server would run).
READER_PROCEDURES = (
    "db.labels", "db.relationshipTypes", "db.propertyKeys", "db.schema.visualization",
    "db.schema.nodeTypeProperties", "db.schema.relTypeProperties", "db.index.fulltext.queryNodes",
    "db.index.fulltext.queryRelationships",
)
_ALLOWED_PROCEDURES = frozenset(name.lower() for name in READER_PROCEDURES)
FORBIDDEN_NAMESPACES = frozenset({"apoc", "dbms", "gds"})

_WHITESPACE = " \t\n\r"
_HEX = frozenset("0123456789abcdefABCDEF")
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_WORD_CHARS = _WORD_START | frozenset("0123456789")
_DIGITS = frozenset("0123456789")
# Printable ASCII that Cypher may use as operators or punctuation; a stray backslash is not among them.
_PUNCT = frozenset("()[]{}.,:;|=<>+-*/%^!?&~@#")


@dataclass(frozen=True)
class Token:
    kind: str  # word, name (backticked), string, number, param, punct, comment
    text: str  # a word or punct as written; a name's value with `` undone
    start: int
    end: int


def decode_unicode_escapes(query: str) -> tuple[str, list[bool]]:
    """Neo4j's pre-lexing pass: each eligible `\\uXXXX` becomes its character. Returns the decoded
    text and, per character of it, whether an escape produced it."""
    out: list[str] = []
    escaped: list[bool] = []
    i, n = 0, len(query)
    while i < n:
        if query[i] != "\\":
            out.append(query[i])
            escaped.append(False)
            i += 1
            continue
        j = i
        while j < n and query[j] == "\\":
            j += 1
        run = j - i
        # In a run of k backslashes only the last can start an escape, and only when k is odd.
        out.extend("\\" * (run - 1))
        escaped.extend([False] * (run - 1))
        if run % 2 == 1 and j < n and query[j] == "u":
            digits = query[j + 1:j + 5]
            if len(digits) != 4 or not set(digits) <= _HEX:
                raise UnsafeQueryError("The query has a \\u escape without four hex digits after it.")
            out.append(chr(int(digits, 16)))
            escaped.append(True)
            i = j + 5
        else:
            out.append("\\")
            escaped.append(False)
            i = j
    return "".join(out), escaped


def tokenize(text: str) -> list[Token]:
    """Lex (decoded) Cypher into tokens, comments included; whitespace is dropped."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _WHITESPACE:
            i += 1
        elif text.startswith("//", i):
            j = i + 2
            while j < n and text[j] not in "\n\r":
                j += 1
            tokens.append(Token("comment", text[i:j], i, j))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise UnsafeQueryError("The query has a /* comment that is never closed.")
            tokens.append(Token("comment", text[i:j + 2], i, j + 2))
            i = j + 2
        elif c in "'\"":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise UnsafeQueryError("The query has a string that is never closed.")
            tokens.append(Token("string", text[i:j + 1], i, j + 1))
            i = j + 1
        elif c == "`":
            j = _end_of_backticked(text, i)
            tokens.append(Token("name", text[i + 1:j - 1].replace("``", "`"), i, j))
            i = j
        elif c == "$":
            j = i + 1
            if j < n and text[j] == "`":
                j = _end_of_backticked(text, j)
            else:
                while j < n and text[j] in _WORD_CHARS:
                    j += 1
            if j == i + 1:
                raise UnsafeQueryError("The query has a '$' that names no parameter.")
            tokens.append(Token("param", text[i:j], i, j))
            i = j
        elif c in _DIGITS:
            j = _end_of_number(text, i)
            # Valid Cypher never glues a word to a number; a lexer that split it differently from
            # this one could otherwise hide a keyword.
            if j < n and text[j] in _WORD_CHARS:
                raise UnsafeQueryError(f"The query has a malformed number near {text[i:j + 1]!r}.")
            tokens.append(Token("number", text[i:j], i, j))
            i = j
        elif c in _WORD_START:
            j = i + 1
            while j < n and text[j] in _WORD_CHARS:
                j += 1
            tokens.append(Token("word", text[i:j], i, j))
            i = j
        elif c in _PUNCT:
            tokens.append(Token("punct", c, i, i + 1))
            i += 1
        elif c == "\\":
            raise UnsafeQueryError("The query has a backslash outside a string.")
        else:
            raise UnsafeQueryError(
                f"The query has {_describe(c)} outside a string, comment or `quoted name`.")
    return tokens


def _end_of_backticked(text: str, i: int) -> int:
    j = i + 1
    while True:
        j = text.find("`", j)
        if j < 0:
            raise UnsafeQueryError("The query has a `quoted name` that is never closed.")
        if text.startswith("``", j):
            j += 2
            continue
        return j + 1


def _end_of_number(text: str, i: int) -> int:
    n = len(text)
    if text.startswith(("0x", "0X"), i):
        j = i + 2
        while j < n and (text[j] in _HEX or text[j] == "_"):
            j += 1
        return j
    if text.startswith(("0o", "0O"), i):
        j = i + 2
        while j < n and text[j] in "01234567_":
            j += 1
        return j
    j = i
    while j < n and (text[j] in _DIGITS or text[j] == "_"):
        j += 1
    if j + 1 < n and text[j] == "." and text[j + 1] in _DIGITS:
        j += 1
        while j < n and (text[j] in _DIGITS or text[j] == "_"):
            j += 1
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and text[k] in _DIGITS:
            j = k
            while j < n and text[j] in _DIGITS:
                j += 1
    return j


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"the character U+{ord(ch):04X}" + (f" ({name})" if name else "")


def check_read_only(query: str) -> str:
    """Return the query unchanged, or raise UnsafeQueryError saying why it is refused."""
    if not query or not query.strip():
        raise UnsafeQueryError("The query is empty.")
    if len(query) > MAX_QUERY_CHARS:
        raise UnsafeQueryError(f"The query is longer than {MAX_QUERY_CHARS} characters.")
    for ch in query:
        if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\r\t":
            raise UnsafeQueryError(f"The query contains a control or invisible character ({_describe(ch)}).")
    text, escaped = decode_unicode_escapes(query)
    tokens = tokenize(text)
    _check_escapes(text, escaped, tokens)
    code = [t for t in tokens if t.kind != "comment"]
    if not code:
        raise UnsafeQueryError("The query is only comments.")
    for k, tok in enumerate(code):
        if tok.kind == "punct" and tok.text == ";" and k != len(code) - 1:
            raise UnsafeQueryError("Only one statement at a time is allowed.")
        if tok.kind != "word" or _is_key(code, k):
            continue
        word = tok.text.upper()
        if word in FORBIDDEN_WORDS:
            raise UnsafeQueryError(f"Only read queries are allowed here ('{word}' is not).")
        if word == "CALL":
            _check_call(code, k)
    for name, followed_by_paren in _qualified_names(code):
        if name.split(".", 1)[0] in FORBIDDEN_NAMESPACES:
            what = "Procedures and functions" if followed_by_paren else "Names"
            raise UnsafeQueryError(f"{what} in the apoc, dbms and gds namespaces are not allowed here ('{name}').")
    return query


def _check_escapes(text: str, escaped: list[bool], tokens: list[Token]) -> None:
    if not any(escaped):
        return
    inside = [False] * len(text)
    for t in tokens:
        if t.kind == "string":
            inside[t.start + 1:t.end - 1] = [True] * (t.end - t.start - 2)
    for pos, was_escape in enumerate(escaped):
        if not was_escape:
            continue
        if not inside[pos]:
            raise UnsafeQueryError("A \\u escape is allowed only inside a string.")
        if text[pos] in "'\"\\":
            raise UnsafeQueryError("A \\u escape may not stand for a quote or a backslash: write \\' \\\" or \\\\.")


def _is_key(code: list[Token], k: int) -> bool:
    """A word used as a property key (`n.set`) or a map key (`{set: 1}`) is not a keyword."""
    prev = code[k - 1] if k > 0 else None
    if prev is not None and prev.kind == "punct" and prev.text == ".":
        before = code[k - 2] if k > 1 else None
        return before is not None and (before.kind in ("word", "name", "param")
                                       or (before.kind == "punct" and before.text in ")]}"))
    nxt = code[k + 1] if k + 1 < len(code) else None
    return (prev is not None and prev.kind == "punct" and prev.text in "{,"
            and nxt is not None and nxt.kind == "punct" and nxt.text == ":")


def _check_call(code: list[Token], k: int) -> None:
    nxt = code[k + 1] if k + 1 < len(code) else None
    if nxt is None:
        raise UnsafeQueryError("CALL names no procedure.")
    if nxt.kind == "punct" and nxt.text in "{(":
        return  # a subquery: its clauses are checked like the rest of the query
    parts, j = _name_chain(code, k + 1)
    if not parts:
        raise UnsafeQueryError("CALL names no procedure.")
    name = ".".join(parts)
    if name.lower() not in _ALLOWED_PROCEDURES:
        raise UnsafeQueryError(f"Procedure '{name}' is not allowed here (allowed: {', '.join(READER_PROCEDURES)}).")


def _name_chain(code: list[Token], k: int) -> tuple[list[str], int]:
    """The dotted name starting at code[k] (words and backticked names, split at dots), and the index
    after it."""
    parts: list[str] = []
    j = k
    while j < len(code) and code[j].kind in ("word", "name"):
        parts.extend(code[j].text.split(".") if code[j].kind == "name" else [code[j].text])
        if j + 1 < len(code) and code[j + 1].kind == "punct" and code[j + 1].text == ".":
            j += 2
        else:
            j += 1
            break
    return parts, j


def _qualified_names(code: list[Token]):
    """Each dotted name that starts a chain (not a property of something before it), lower-cased,
    with whether a '(' follows it (a function or procedure call)."""
    k = 0
    while k < len(code):
        tok = code[k]
        starts = tok.kind in ("word", "name") and not (k > 0 and code[k - 1].kind == "punct"
                                                        and code[k - 1].text == ".")
        if not starts:
            k += 1
            continue
        parts, j = _name_chain(code, k)
        if len(parts) > 1:
            paren = j < len(code) and code[j].kind == "punct" and code[j].text == "("
            yield ".".join(parts).lower(), paren
        k = max(j, k + 1)
