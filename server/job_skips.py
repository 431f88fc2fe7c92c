"""A scheduled job skips an item it cannot handle, reports it, and goes on with the others.

The jobs walk every card, record or quarantined op, and what is stored there came from
phones, older servers and hand edits: one odd value (a list where text was expected, a
site id past the column's range) must not stop the run. A run that stopped at it would
fail again on every tick, and every item after it would never be handled again: no
evening notice, no redaction.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import InterfaceError, OperationalError

from .extensions import db

log = logging.getLogger(__name__)

NOT_THE_ITEM = (OperationalError, InterfaceError)
"""The database, not the item, failed (gone, locked, the schema missing): every item
would fail alike, so the run fails and gives its claim back for the next tick
(``jobs.run_once``) instead of finishing with everything skipped."""


class Skips:
    """The items one run of ``job`` skipped, as ``{"item", "error"}``. The result keeps
    the error's class only, as it is stored (``JobRun``) and a message may quote a
    record's text; the log has the message."""

    def __init__(self, job: str) -> None:
        self.job = job
        self.items: list[dict[str, str]] = []

    @contextmanager
    def item(self, item: str, *, writes: bool = False) -> Iterator[None]:
        """Do one item's work in the block; if it raises, report ``item`` and go on after
        the block.

        ``writes``: the block writes through the session, so it runs in a savepoint, and a
        failure undoes its writes only. Otherwise (the block reads through the session,
        the sync store writes on connections of its own) a failure rolls the session back,
        so that on PostgreSQL an aborted transaction does not fail every item after it.

        :raise OperationalError, InterfaceError: see ``NOT_THE_ITEM``.
        """
        try:
            if writes:
                with db.session.begin_nested():
                    yield
            else:
                yield
        except NOT_THE_ITEM:
            raise
        except Exception as error:
            if not writes:
                db.session.rollback()
            self.report(item, error)

    def report(self, item: str, error: Exception) -> None:
        # The DB-API's own message, not SQLAlchemy's, which quotes the statement's values.
        cause = getattr(error, "orig", None) or error
        log.error("%s: skipped %s: %s: %s", self.job, item, type(error).__name__, cause)
        log.debug("%s: skipped %s", self.job, item, exc_info=error)
        self.items.append({"item": item, "error": type(error).__name__})

    def noted_in(self, result: dict) -> dict:
        """``result`` with ``"skipped"`` added when some item was: the JobRun row keeps
        it, and a run that skipped nothing reads as before."""
        return {**result, "skipped": self.items} if self.items else result
