"""The check-in path's statements, run on the database driver's own cursor.

Why: at a surge every check-in goes through the one writer thread, and each is about eight
statements. Through SQLAlchemy's ``Connection.execute`` one statement costs about 100 µs
of Python on this machine (execution events, the compiled cache, result and type
processing); the driver's cursor runs the same statement in about 12 µs (measured in
``bench/writer.py``). So the hot statements are still written once, as Core in
``statements.py``, compiled here once per dialect, and run by the driver inside the very
transaction the session holds (its connection), so the write path, its locks and its
commit are unchanged.

Values go through SQLAlchemy's own type processors, taken once per dialect from the
compiled statement: a moment is stored as ``db.UTCDateTime`` stores it (naive-UTC text on
SQLite) and read back aware, a boolean or JSON column reads back as the ORM would give it.
Rows come back as named tuples, by column name as Core rows are.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Connection, String, bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine


class _Values(TypeDecorator[list[str]]):
    """A list of strings as one parameter: a text array on PostgreSQL, JSON text on SQLite."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(String()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return list(value) if dialect.name == "postgresql" else json.dumps(list(value))


class _InValues(ColumnElement[bool]):
    """``column`` is one of a list given as one parameter (``in_values``)."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it stands (no "= 1" on SQLite)
    # What makes two of them the same statement (its cache key); SQLAlchemy's own shape.
    _traverse_internals = [  # noqa: RUF012
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.values = bindparam(name, type_=_Values())


@compiles(_InValues)
def _in_values(element: _InValues, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    values = compiler.process(element.values, **kw)
    if compiler.dialect.name == "postgresql":
        return f"{column} = ANY({values})"
    # Both parts are compiled SQL (a column, a bound parameter): no value is ever inlined.
    return f"{column} IN (SELECT value FROM json_each({values}))"  # noqa: S608


def in_values(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """``column IN`` a list passed as one parameter ``name``: one statement text whatever
    the list's length, so it is compiled once (``Prepared``) and each driver keeps one
    prepared statement for it (an expanding ``IN`` is new SQL for every length)."""
    return _InValues(column, name)


# Named parameters (``:name``) on SQLite, so one dict of parameters fits both drivers
# (psycopg's dialect compiles to ``%(name)s``).
_SQLITE = sqlite.dialect(paramstyle="named")

Params = Mapping[str, Any]


Processor = Callable[[Any], Any]


@dataclass(slots=True)
class _Compiled:
    sql: str
    binds: tuple[tuple[str, Processor], ...]  # parameters whose type converts the value
    dialect: Dialect
    # Result columns likewise, by position; known at the first answer, since a driver's
    # processor may depend on the type the database says it sent (PostgreSQL's numbers).
    results: tuple[tuple[int, Processor], ...] | None = None


class Prepared:
    """A Core statement, compiled to the driver's SQL and type processors once per dialect."""

    __slots__ = ("_by_dialect", "core", "row")

    def __init__(self, core: Executable) -> None:
        self.core = core
        self._by_dialect: dict[str, _Compiled] = {}
        columns = getattr(core, "selected_columns", ())
        # A select's rows, by column name: what Core rows give the code that reads them.
        self.row: Any = namedtuple("Row", [column.key for column in columns]) if columns else None

    def compiled(self, conn: Connection) -> _Compiled:
        name = conn.dialect.name
        found = self._by_dialect.get(name)
        if found is None:
            found = self._by_dialect[name] = self._compile(conn.dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        target = _SQLITE if dialect.name == "sqlite" else dialect
        compiled = self.core.compile(dialect=target)  # type: ignore[attr-defined]
        # Every value must come from the caller: a literal Core made a parameter of
        # (``+ 1``) would have no value here; write it as a literal_column instead.
        fixed = [key for key, bind in compiled.binds.items() if not bind.required]
        if fixed:
            raise ValueError(f"statement has parameters with fixed values: {fixed}")
        binds = tuple(
            (key, processor)
            for key, bind in compiled.binds.items()
            if (processor := bind.type.dialect_impl(target).bind_processor(target)) is not None
        )
        return _Compiled(str(compiled), binds, target)

    def results(
        self, compiled: _Compiled, description: Sequence[Any]
    ) -> tuple[tuple[int, Processor], ...]:
        if compiled.results is None:
            columns = getattr(self.core, "selected_columns", ())
            dialect = compiled.dialect
            compiled.results = tuple(
                (index, processor)
                for index, (column, described) in enumerate(zip(columns, description, strict=True))
                if (
                    processor := column.type.dialect_impl(dialect).result_processor(
                        dialect, described[1]
                    )
                )
                is not None
            )
        return compiled.results


def _driver(conn: Connection) -> Any:
    # The DB-API connection under the session's: same transaction, same locks.
    return conn.connection.driver_connection


def _wrapped(conn: Connection, sql: str, exc: Exception) -> Exception:
    """A driver's error as SQLAlchemy raises it (``IntegrityError``, ``OperationalError``,
    the driver's own kept as ``orig``), so the write path's handling of a unique key clash
    or a deadlock sees the same exception whatever ran the statement. Never the values:
    they may be personal."""
    base = conn.dialect.loaded_dbapi.Error
    if not isinstance(exc, base):
        return exc
    wrapped = DBAPIError.instance(sql, None, exc, base, hide_parameters=True, dialect=conn.dialect)
    return wrapped if isinstance(wrapped, Exception) else exc


def _execute(conn: Connection, compiled: _Compiled, params: Params) -> Any:
    try:
        return _driver(conn).execute(compiled.sql, _params(compiled, params))
    except Exception as exc:
        raise _wrapped(conn, compiled.sql, exc) from exc


def _params(compiled: _Compiled, params: Params) -> Params:
    if not compiled.binds:
        return params
    converted = dict(params)
    for key, processor in compiled.binds:
        if key in converted:
            converted[key] = processor(converted[key])
    return converted


def _rows(statement: Prepared, compiled: _Compiled, cursor: Any, raws: list[Any]) -> list[Any]:
    processors = statement.results(compiled, cursor.description) if raws else ()
    rows = []
    for raw in raws:
        if processors:
            values = list(raw)
            for index, processor in processors:
                values[index] = processor(values[index])
            raw = values
        rows.append(statement.row._make(raw))
    return rows


def one(conn: Connection, statement: Prepared, params: Params) -> Any | None:
    """The first row a select finds, or None."""
    compiled = statement.compiled(conn)
    cursor = _execute(conn, compiled, params)
    raw = cursor.fetchone()
    return _rows(statement, compiled, cursor, [raw])[0] if raw is not None else None


def every(conn: Connection, statement: Prepared, params: Params) -> list[Any]:
    compiled = statement.compiled(conn)
    cursor = _execute(conn, compiled, params)
    return _rows(statement, compiled, cursor, cursor.fetchall())


def every_of(conn: Connection, reads: Sequence[tuple[Prepared, Params]]) -> list[list[Any]]:
    """The rows of several selects that do not depend on each other, in order: on
    PostgreSQL sent together in one pipeline, one round trip for all (run in the order
    given, so a lock the first takes holds for the others)."""
    if conn.dialect.name == "sqlite":
        return [every(conn, statement, params) for statement, params in reads]
    compiled = [(statement, statement.compiled(conn), params) for statement, params in reads]
    raw = _driver(conn)
    try:
        with raw.pipeline():
            cursors = [raw.cursor() for _ in compiled]
            for cursor, (_, one, params) in zip(cursors, compiled, strict=True):
                cursor.execute(one.sql, _params(one, params))
            fetched = [cursor.fetchall() for cursor in cursors]  # the first fetch syncs all
    except Exception as exc:
        raise _wrapped(conn, "(a pipeline of statements)", exc) from exc
    return [
        _rows(statement, one, cursor, raws)
        for (statement, one, _), cursor, raws in zip(compiled, cursors, fetched, strict=True)
    ]


def run(conn: Connection, statement: Prepared, params: Params) -> int:
    """Run a change; how many rows it changed."""
    compiled = statement.compiled(conn)
    count: int = _execute(conn, compiled, params).rowcount
    return count


class Bulk:
    """Many rows of one change in one statement on PostgreSQL: each column's values go as
    one array parameter, which ``unnest`` (``arrays``) turns back into rows, so a group's
    rows are bound, planned and executed once. psycopg sends an ``executemany`` in one
    pipeline, but still as one command per row, each bound, executed and answered: the
    writer spent 15-20 % less time per check-in without them (``bench/writer.py
    --postgres``, groups of 32). SQLite has no round trip to save and runs ``executemany``
    in C, so there ``rows``, the row-wise statement, is used."""

    __slots__ = ("arrays", "columns", "rows")

    def __init__(
        self, rows: Prepared | Executable, arrays: Executable, columns: Sequence[str]
    ) -> None:
        # A row-wise statement already prepared is shared, not compiled a second time.
        self.rows = rows if isinstance(rows, Prepared) else Prepared(rows)
        self.arrays = Prepared(arrays)
        self.columns = tuple(columns)


def arrays(types: Mapping[str, TypeEngine[Any]]) -> Any:
    """The rows of a ``Bulk`` on PostgreSQL: ``unnest`` of one array parameter per column
    (named and typed as given), with ``n``, each row's place in the arrays."""
    parameters = [bindparam(name, type_=postgresql.ARRAY(type_)) for name, type_ in types.items()]
    return func.unnest(*parameters).table_valued(*types, with_ordinality="n").render_derived()


def run_many(conn: Connection, statement: Prepared | Bulk, rows: Sequence[Params]) -> None:
    if isinstance(statement, Bulk):
        if rows and conn.dialect.name == "postgresql":
            run(conn, statement.arrays, {c: [row[c] for row in rows] for c in statement.columns})
            return
        statement = statement.rows
    if rows:
        compiled = statement.compiled(conn)
        converted = [_params(compiled, row) for row in rows]
        try:
            _driver(conn).cursor().executemany(compiled.sql, converted)
        except Exception as exc:
            raise _wrapped(conn, compiled.sql, exc) from exc


@contextmanager
def pipeline(conn: Connection) -> Iterator[None]:
    """Statements run inside go to PostgreSQL one after another without waiting for each
    answer (psycopg's pipeline mode): one round trip for all, at the end. An error in any
    of them is raised there, as SQLAlchemy raises it, and the statements after it did not
    run (the transaction is then lost, as after any failed statement). SQLite has no round
    trip to save: there it changes nothing."""
    if conn.dialect.name == "sqlite":
        yield
        return
    try:
        with _driver(conn).pipeline():
            yield
    except Exception as exc:
        raise _wrapped(conn, "(a pipeline of statements)", exc) from exc


def inserted_key(conn: Connection, statement: Prepared, params: Params) -> int:
    """Insert one row; its new integer key (``statement`` returns it on PostgreSQL)."""
    compiled = statement.compiled(conn)
    cursor = _execute(conn, compiled, params)
    key = cursor.lastrowid if conn.dialect.name == "sqlite" else cursor.fetchone()[0]
    return int(key)
