"""Refuse SQL that could write, before it reaches the source database.

The first line of defence (the second is the read-only transaction the SQL type opens, the third
a read-only database account, which docs/konektor.md asks for): exactly one statement, a SELECT
(or WITH … SELECT), and none of the keywords or functions that change data, lock rows or touch
files. Keywords inside quoted text do not count (sqlparse tokenises the statement).
"""

from __future__ import annotations

import sqlparse
from django.utils.translation import gettext as _
from sqlparse import tokens as T

from satudata.connectors.types.base import SourceError

MAX_SQL_CHARS = 20_000
FORBIDDEN_KEYWORDS = frozenset(
    {
        "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "DROP", "ALTER", "CREATE",
        "TRUNCATE", "GRANT", "REVOKE", "CALL", "EXEC", "EXECUTE", "COPY", "LOCK", "UNLOCK",
        "INTO", "OUTFILE", "DUMPFILE", "LOAD", "HANDLER", "SET", "RENAME", "VACUUM", "ANALYZE",
        "REINDEX", "CLUSTER", "COMMENT", "DO", "PREPARE", "DEALLOCATE", "LISTEN", "NOTIFY",
        "REFRESH", "SECURITY", "OWNER", "SHARE", "NOWAIT",
    }
)  # fmt: skip
FORBIDDEN_FUNCTIONS = frozenset(
    {
        "nextval", "setval", "pg_sleep", "pg_terminate_backend", "pg_cancel_backend",
        "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "lo_import", "lo_export", "dblink",
        "dblink_exec", "load_file", "sleep", "benchmark", "get_lock", "release_lock",
        "pg_advisory_lock", "set_config", "query_to_xml", "txid_current",
    }
)  # fmt: skip


def refuse(reason: str) -> SourceError:
    return SourceError(
        _("This SQL is refused: %(reason)s Only one SELECT that reads data is allowed.")
        % {"reason": reason},
        code="sql-not-read-only",
    )


def check_select(sql: str) -> str:
    """The statement without a trailing semicolon, or `SourceError` saying why it is refused."""
    text = (sql or "").strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    if not text:
        raise refuse(_("the query is empty."))
    if len(text) > MAX_SQL_CHARS:
        raise refuse(_("the query is longer than %(n)d characters.") % {"n": MAX_SQL_CHARS})
    statements = [statement for statement in sqlparse.parse(text) if str(statement).strip(" ;\n\t")]
    if len(statements) != 1:
        raise refuse(_("it holds %(n)d statements.") % {"n": len(statements)})
    statement = statements[0]
    first = statement.token_first(skip_cm=True)
    if first is None or first.normalized.upper() not in ("SELECT", "WITH"):
        raise refuse(_("it does not start with SELECT."))
    previous = None
    for token in statement.flatten():
        if token.is_whitespace or token.ttype in T.Comment:
            continue
        word = token.normalized.upper()
        if token.ttype in T.Keyword or token.ttype in T.Keyword.DML or token.ttype in T.Keyword.DDL:
            if word in FORBIDDEN_KEYWORDS or word.split()[0] in FORBIDDEN_KEYWORDS:
                raise refuse(_("it contains %(word)s.") % {"word": word})
            if word == "UPDATE" or (previous == "FOR" and word in ("UPDATE", "SHARE")):
                raise refuse(_("it locks rows (FOR UPDATE)."))
        if token.ttype in T.Name and token.value.lower() in FORBIDDEN_FUNCTIONS:
            raise refuse(_("it calls %(name)s().") % {"name": token.value})
        if token.ttype is T.Punctuation and token.value == ";":
            raise refuse(_("it holds more than one statement."))
        previous = word
    return str(statement).strip()
