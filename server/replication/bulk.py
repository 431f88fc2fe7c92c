"""Writes of many rows as one statement each on PostgreSQL; on SQLite, ``Prepared``.

psycopg runs an ``executemany`` as a pipeline of one statement per row, and its Python
glue for each row (binding, the pipeline's bookkeeping) cost about 60 µs: a phone's push
of 20 ops writes about 120 rows, which made its push on PostgreSQL cost about three times
its push on SQLite (bench/RESULTS.md). SQLite's ``executemany`` steps its rows in C, so it
keeps that.

- Inserts bind their rows as one JSON text, made by orjson in C and read back into typed
  rows by ``json_to_recordset``: bound as arrays, the wide rows of the figures cost as
  much as before, since psycopg dumps an array element by element in Python.
- Updates and deletes bind one array per column, in binary, and ``unnest`` them: the
  planner takes ``json_to_recordset`` for 100 rows whatever it holds, and joined a few
  keys to the figures by reading the whole table (5 ms), where ``unnest`` of a bound array
  is counted as it is. They carry few rows (the records a push rewrites).

Each statement takes its rows as tuples in a fixed order, as ``Prepared`` does: an insert
its ``names``; an update its new values, then the key it matches on; a delete its key.
Values are those JSON carries as they are (text, integers, booleans, ``None``); a date
column takes its ISO text.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    column,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

from .prepared import Prepared

KEY_PREFIX = "k_"
"""The bound name of a key column, apart from a new value of the same column."""

_ROWS = "rows"


class JsonRows:
    """A statement over ``json_to_recordset`` of the rows bound as ``rows``, compiled once
    for PostgreSQL."""

    def __init__(self, statement, dialect: Dialect, names: Sequence[str]):
        # Plain ``str``: orjson takes no subclass (SQLAlchemy's ``quoted_name``) as a key.
        self.names = tuple(str(name) for name in names)
        compiled = statement.compile(dialect=dialect)
        if compiled.positional or list(compiled.params) != [_ROWS]:
            raise ValueError(f"{compiled.string!r} takes {sorted(compiled.params)}, "
                             f"not one parameter {_ROWS!r}")
        self.sql = compiled.string

    def run(self, conn: Connection, rows: Sequence[tuple[Any, ...]]):
        """Execute once for all of ``rows``, each a tuple of values in ``names`` order."""
        if not rows:
            return None
        names = self.names
        text = orjson.dumps([dict(zip(names, row, strict=True)) for row in rows]).decode()
        return conn.exec_driver_sql(self.sql, {_ROWS: text})


class Unnested:
    """A statement over ``unnest`` of one array per name, compiled once for PostgreSQL."""

    def __init__(self, statement, dialect: Dialect, names: Sequence[str]):
        self.names = tuple(names)
        compiled = statement.compile(dialect=dialect)
        if compiled.positional or sorted(compiled.params) != sorted(self.names):
            raise ValueError(f"{compiled.string!r} takes {sorted(compiled.params)}, "
                             f"not {self.names}")
        # psycopg's ``%(name)b`` sends an array in binary: its text form is escaped element
        # by element with a regular expression, at about five times the cost.
        sql = compiled.string
        for name in self.names:
            sql = sql.replace(f"%({name})s", f"%({name})b")
        self.sql = sql

    def run(self, conn: Connection, rows: Sequence[tuple[Any, ...]]):
        """Execute once for all of ``rows``, each a tuple of values in ``names`` order."""
        if not rows:
            return None
        columns = zip(*rows, strict=True)
        return conn.exec_driver_sql(self.sql, dict(zip(self.names, map(list, columns),
                                                       strict=True)))


Bulk = Prepared | JsonRows | Unnested
"""Any of these statements: each ``run(conn, rows)``."""


def _unnest(table: Table, columns: Sequence[str], names: Sequence[str]):
    """``unnest`` of one array bound as each of ``names``, typed as ``columns`` of
    ``table``, with its output columns called ``names``."""
    arrays = [bindparam(name, type_=postgresql.ARRAY(table.c[col].type))
              for col, name in zip(columns, names, strict=True)]
    return func.unnest(*arrays).table_valued(*names).render_derived()


def _rows_of(table: Table, columns: Sequence[str], names: Sequence[str]):
    """The rows bound as JSON, as a table of ``names`` typed as ``columns`` of ``table``."""
    typed = [column(name, table.c[col].type) for col, name in zip(columns, names, strict=True)]
    return (func.json_to_recordset(bindparam(_ROWS, type_=postgresql.JSON))
            .table_valued(*typed).render_derived(with_types=True))


def _is_postgresql(dialect: Dialect) -> bool:
    return dialect.name == "postgresql"


def inserting(table: Table, names: Sequence[str], dialect: Dialect) -> Bulk:
    """Insert rows of ``names``."""
    if not _is_postgresql(dialect):
        return Prepared(insert(table), dialect, names)
    rows = _rows_of(table, names, names)
    return JsonRows(insert(table).from_select(list(names), select(*(rows.c[n] for n in names))),
                    dialect, names)


def updating(table: Table, values: Sequence[str], keys: Sequence[str],
             dialect: Dialect) -> Bulk:
    """Set ``values`` of the rows whose ``keys`` columns match: rows of the new values,
    then the key. Each key once a call: on PostgreSQL a key given twice sets one of its
    rows' values, not the last."""
    bound_keys = [KEY_PREFIX + key for key in keys]
    names = (*values, *bound_keys)
    if not _is_postgresql(dialect):
        statement = (update(table)
                     .where(*(table.c[key] == bindparam(KEY_PREFIX + key) for key in keys))
                     .values({name: bindparam(name) for name in values}))
        return Prepared(statement, dialect, names)
    rows = _unnest(table, (*values, *keys), names)
    statement = (update(table)
                 .where(*(table.c[key] == rows.c[KEY_PREFIX + key] for key in keys))
                 .values({name: rows.c[name] for name in values}))
    return Unnested(statement, dialect, names)


def deleting(table: Table, keys: Sequence[str], dialect: Dialect) -> Bulk:
    """Delete the rows whose ``keys`` columns match: rows of the key."""
    names = [KEY_PREFIX + key for key in keys]
    if not _is_postgresql(dialect):
        statement = delete(table).where(*(table.c[key] == bindparam(KEY_PREFIX + key)
                                          for key in keys))
        return Prepared(statement, dialect, names)
    rows = _unnest(table, keys, names)
    return Unnested(delete(table).where(*(table.c[key] == rows.c[KEY_PREFIX + key]
                                          for key in keys)), dialect, names)


@contextmanager
def together(conn: Connection) -> Iterator[None]:
    """Statements run inside go to PostgreSQL without waiting for each one's answer
    (psycopg's pipeline mode): one round trip for them all, and an error among them is
    raised at the end, as SQLAlchemy's exception for it. Elsewhere they run as they are.

    Only for statements whose results are not read (their ``rowcount`` is -1). A push's
    writes hold the counter's lock: each answer waited for was a round trip, and in a
    busy worker a wait for the GIL after it."""
    if not _is_postgresql(conn.dialect):
        yield
        return
    dbapi = conn.dialect.loaded_dbapi
    try:
        with conn.connection.driver_connection.pipeline():
            yield
    except dbapi.Error as exc:
        raise DBAPIError.instance(None, None, exc, dbapi.Error) from exc
