"""Errors the sync core raises, each with a stable machine ``code``.

A concurrent edit is not an error: it is merged and reported as data (see ``merge``).
An op that fails validation is not an error either: it is answered with a rejected
result and kept in quarantine. The exceptions here are for requests the core cannot
carry out at all; ``server/errors.py`` maps each ``code`` to one HTTP status.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of every error the sync core raises; ``code`` never changes once published."""

    code = "sync_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedProtocol(SyncError):
    code = "unsupported_protocol"

    def __init__(self, version: object, supported: int) -> None:
        super().__init__(
            f"protocol version {version!r} is not supported; this server speaks {supported}"
        )
        self.version = version
        self.supported = supported


class BatchTooLarge(SyncError):
    code = "batch_too_large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"a push may carry at most {limit} ops; this one carries {size}")
        self.size = size
        self.limit = limit


class InvalidRequest(SyncError):
    """An argument outside its documented range (a negative cursor, an empty reason…)."""

    code = "invalid_request"


class UnknownRecord(SyncError):
    code = "unknown_record"


class ConflictNotFound(SyncError):
    code = "conflict_not_found"


class QuarantineNotFound(SyncError):
    code = "quarantine_not_found"


class QuarantineClosed(SyncError):
    code = "quarantine_closed"


class OpIdReused(SyncError):
    """A corrected op must carry a new op id: the old one is already answered as rejected."""

    code = "op_id_reused"


class RejectedOp(SyncError):
    """An op built on the server (a resolution, a restore, a resubmission) failed validation.

    Nothing is stored: these come from an interactive request that can be answered at once,
    so unlike a phone's op they do not go to quarantine. ``code`` is the op's reason code.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = reason


class StaleBatch(SyncError):
    """The store refused a write batch because what it was computed from has changed.

    Raised by ``Store.write_batch`` when another writer got there first (a record's version
    moved, an op id was logged, a quarantine entry was closed). Nothing of the batch was
    written; the engine reloads and recomputes. It escapes the engine only after repeated
    attempts, and a client may simply retry the request.
    """

    code = "stale_batch"
