"""The steps and checkpoints as the repository keeps them (``checkpoints.json``), and
seeding them into a database without touching what is already there."""

import json
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from .models import CoopCheckpoint, CoopStep

DATA = Path(__file__).with_name("checkpoints.json")


@cache
def steps() -> tuple[dict, ...]:
    """The four steps, each with its checkpoints, in the document's order."""
    return tuple(json.loads(DATA.read_text(encoding="utf-8"))["steps"])


def seed(conn: sa.Connection) -> None:
    """Insert the steps and the first wording of each checkpoint that are missing.

    Runs from the migration (on its connection) and for databases made with
    ``create_all``. A checkpoint that has any version is left alone: an admin's later
    wording is never overwritten by the repository's."""
    step_table, checkpoint_table = CoopStep.__table__, CoopCheckpoint.__table__
    known_steps = set(conn.scalars(sa.select(step_table.c.number)))
    known = {tuple(row) for row in conn.execute(
        sa.select(checkpoint_table.c.step_number, checkpoint_table.c.number))}
    for step in steps():
        if step["number"] not in known_steps:
            conn.execute(step_table.insert().values(
                number=step["number"], code=step["code"], title_ja=step["title_ja"],
                title_en=step["title_en"]))
        for point in step["checkpoints"]:
            if (step["number"], point["number"]) not in known:
                conn.execute(checkpoint_table.insert().values(
                    step_number=step["number"], number=point["number"], version=1,
                    text_ja=point["text_ja"], text_en=point["text_en"]))


def ensure_checkpoints() -> None:
    """``seed`` in the app's session; commit."""
    from ..extensions import db

    seed(db.session.connection())
    db.session.commit()
