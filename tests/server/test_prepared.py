"""A ``Prepared`` statement runs on the driver with rows given in its own ``names`` order,
whatever order the dialect's SQL takes its parameters in, on both engines."""

import pytest
from sqlalchemy import bindparam, select, update

from server.extensions import db
from server.replication.models import SyncCounter, SyncOp
from server.replication.prepared import Prepared

OP = SyncOp.__table__


def rows_of_op_log():
    with db.engine.connect() as conn:
        return conn.execute(select(OP.c.op_id, OP.c.record_id, OP.c.position, OP.c.result_json)
                            .order_by(OP.c.op_id)).all()


def test_insert_many_and_one(app):
    insert_op = Prepared(OP.insert(), db.engine.dialect,
                         ("op_id", "collection", "record_id", "position", "result_json"))
    with db.engine.begin() as conn:
        insert_op.run(conn, [("a", "visit", "r1", 7, "{}"), ("b", None, None, None, '{"x":1}')])
        insert_op.run(conn, [("c", "visit", "r2", 8, "[]")])
        assert insert_op.run(conn, []) is None
    assert rows_of_op_log() == [("a", "r1", 7, "{}"), ("b", None, None, '{"x":1}'),
                                ("c", "r2", 8, "[]")]


def test_rows_in_names_order_even_when_the_sql_takes_another(app):
    insert_op = Prepared(OP.insert(), db.engine.dialect,
                         ("op_id", "collection", "record_id", "position", "result_json"))
    # The WHERE parameter comes last in the SQL, first in the rows.
    set_position = Prepared(update(OP).where(OP.c.op_id == bindparam("key"))
                            .values(position=bindparam("p"), result_json=bindparam("r")),
                            db.engine.dialect, ("key", "r", "p"))
    with db.engine.begin() as conn:
        insert_op.run(conn, [("a", "visit", "r1", 1, "{}"), ("b", "visit", "r2", 2, "{}")])
        set_position.run(conn, [("a", '"moved"', 10), ("b", '"also"', 20)])
    assert rows_of_op_log() == [("a", "r1", 10, '"moved"'), ("b", "r2", 20, '"also"')]


def test_names_that_are_not_the_statements_refuse(app):
    statement = update(SyncCounter.__table__).values(position=bindparam("p"))
    with pytest.raises(ValueError, match="takes"):
        Prepared(statement, db.engine.dialect, ("q",))
