"""Statements compiled once for a dialect and run straight on the database driver.

A push writes four rows per op. Run through SQLAlchemy's ``Connection.execute``, each
statement is built, looked up in the compiled cache and each row's parameters are
processed again on every call: in a push of 50 ops that cost more than the database's
own work. A ``Prepared`` statement is compiled by SQLAlchemy once, for the dialect in use,
and runs with ``exec_driver_sql``: the driver gets the rows as they are.

Only for parameters the driver takes without conversion (text, integers, booleans,
``None``); the columns written this way are all of those.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement


class Prepared:
    """One statement as ``dialect`` spells it, with its parameters in ``names`` order."""

    def __init__(self, statement: ClauseElement, dialect: Dialect, names: Sequence[str]):
        self.names = tuple(names)
        compiled = statement.compile(dialect=dialect, column_keys=list(self.names))
        self.sql = compiled.string
        if sorted(compiled.params) != sorted(self.names):
            raise ValueError(f"{self.sql!r} takes {sorted(compiled.params)}, not {self.names}")
        self._positional = compiled.positional
        # Indexes into a row given in ``names`` order, for a dialect whose SQL takes its
        # parameters in another; None when the row can go as it is.
        self._reorder = None
        if compiled.positional and tuple(compiled.positiontup or ()) != self.names:
            self._reorder = tuple(self.names.index(name) for name in compiled.positiontup)

    def run(self, conn: Connection, rows: Sequence[tuple[Any, ...]]):
        """Execute once per row (``executemany`` for more than one); each row is a tuple of
        values in ``names`` order."""
        if not rows:
            return None
        if not self._positional:
            params: Any = [dict(zip(self.names, row, strict=True)) for row in rows]
        elif self._reorder is not None:
            params = [tuple(row[i] for i in self._reorder) for row in rows]
        else:
            params = list(rows)
        return conn.exec_driver_sql(self.sql, params[0] if len(params) == 1 else params)
