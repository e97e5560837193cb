"""The check-in path's statements, run on the database driver's own cursor.

Why: at a surge every check-in goes through the one writer thread, and each is about eight
statements. Through SQLAlchemy's ``Connection.execute`` one statement costs about 100 µs
of Python on this machine (execution events, the compiled cache, result and type
processing); the driver's cursor runs the same statement in about 12 µs (measured in
``bench/writer.py``). So the hot statements are still written once, as Core in
``statements.py``, compiled here once per dialect, and run by the driver inside the very
transaction the session holds (its connection), so the write path, its locks and its
commit are unchanged.

What SQLAlchemy's types did for these statements is done here, for the one type that
needs it: a moment (``db.UTCDateTime``) is stored as naive-UTC text on SQLite, in
SQLAlchemy's own format so stored values keep sorting as text, and as an aware datetime on
PostgreSQL; read back, it is an aware UTC datetime on both. Booleans, integers and text
pass through both drivers as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.expression import Executable

# Named parameters (``:name``) on SQLite, so one dict of parameters fits both drivers
# (psycopg's dialect compiles to ``%(name)s``).
_SQLITE = sqlite.dialect(paramstyle="named")

Params = Mapping[str, Any]


class Prepared:
    """A Core statement, compiled to the driver's SQL once per dialect."""

    __slots__ = ("_text", "core")

    def __init__(self, core: Executable) -> None:
        self.core = core
        self._text: dict[str, str] = {}

    def text(self, conn: Connection) -> str:
        name = conn.dialect.name
        sql = self._text.get(name)
        if sql is None:
            dialect = _SQLITE if name == "sqlite" else conn.dialect
            compiled = self.core.compile(dialect=dialect)  # type: ignore[attr-defined]
            # Every value must come from the caller: a literal Core made a parameter of
            # (``+ 1``) would have no value here; write it as a literal_column instead.
            fixed = [key for key, bind in compiled.binds.items() if not bind.required]
            if fixed:
                raise ValueError(f"statement has parameters with fixed values: {fixed}")
            sql = self._text[name] = str(compiled)
        return sql


def _driver(conn: Connection) -> Any:
    # The DB-API connection under the session's: same transaction, same locks.
    return conn.connection.driver_connection


def one(conn: Connection, statement: Prepared, params: Params) -> tuple[Any, ...] | None:
    row: tuple[Any, ...] | None = _driver(conn).execute(statement.text(conn), params).fetchone()
    return row


def every(conn: Connection, statement: Prepared, params: Params) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = _driver(conn).execute(statement.text(conn), params).fetchall()
    return rows


def run(conn: Connection, statement: Prepared, params: Params) -> int:
    """Run a change; how many rows it changed."""
    count: int = _driver(conn).execute(statement.text(conn), params).rowcount
    return count


def run_many(conn: Connection, statement: Prepared, rows: Sequence[Params]) -> None:
    if rows:
        _driver(conn).cursor().executemany(statement.text(conn), rows)


def inserted_key(conn: Connection, statement: Prepared, params: Params) -> int:
    """Insert one row; its new integer key (``statement`` returns it on PostgreSQL)."""
    cursor = _driver(conn).execute(statement.text(conn), params)
    key = cursor.lastrowid if conn.dialect.name == "sqlite" else cursor.fetchone()[0]
    return int(key)


def stored(conn: Connection, moment: datetime | None) -> datetime | str | None:
    """A moment as the column holds it (``db.UTCDateTime``'s rule)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    moment = moment.astimezone(UTC)
    if conn.dialect.name == "sqlite":
        return f"{moment:%Y-%m-%d %H:%M:%S.%f}"
    return moment


def moment(value: datetime | str | None) -> datetime | None:
    """A stored moment read back: aware, in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
