"""Hybrid logical clocks: wall milliseconds, a logical counter and the node that ticked.

A clock value orders events across devices whose wall clocks drift: it never goes back,
it stays close to wall time, and an event that saw another (``receive``) is ordered after
it. Values compare as tuples ``(wall_ms, counter, node)`` and format to strings that sort
the same way, so stores and phones can compare them as plain text.

Nothing here reads a clock: ``now_ms`` always comes in as an argument.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

WALL_DIGITS = 15
COUNTER_DIGITS = 6
MAX_COUNTER = 10**COUNTER_DIGITS - 1
MAX_WALL_MS = 10**WALL_DIGITS - 1

MAX_NODE_LENGTH = 128
MAX_TEXT_LENGTH = WALL_DIGITS + 1 + COUNTER_DIGITS + 1 + MAX_NODE_LENGTH
"""The longest clock text: what a column that keeps one must hold."""
_NODE = re.compile(rf"[^\s:]\S{{0,{MAX_NODE_LENGTH - 1}}}")
MAX_TEXT_LENGTH = WALL_DIGITS + COUNTER_DIGITS + 2 + MAX_NODE_LENGTH
_TEXT = re.compile(rf"([0-9]{{{WALL_DIGITS}}}):([0-9]{{{COUNTER_DIGITS}}}):(.+)", re.DOTALL)


@dataclass(frozen=True, order=True)
class HLC:
    """One clock reading. Field order is the sort order; ``node`` breaks exact ties."""

    wall_ms: int
    counter: int
    node: str

    def __post_init__(self) -> None:
        if not 0 <= self.wall_ms <= MAX_WALL_MS:
            raise ValueError(f"wall_ms out of range: {self.wall_ms}")
        if not 0 <= self.counter <= MAX_COUNTER:
            raise ValueError(f"counter out of range: {self.counter}")
        if _NODE.fullmatch(self.node) is None:
            raise ValueError(f"invalid node id: {self.node!r}")

    def tick(self, now_ms: int) -> HLC:
        """The reading for a local event: strictly greater than ``self``, and ≥ ``now_ms``."""
        if now_ms > self.wall_ms:
            return HLC(now_ms, 0, self.node)
        return _next(self.wall_ms, self.counter, self.node)

    def receive(self, remote: HLC, now_ms: int) -> HLC:
        """The reading after learning of ``remote``: strictly greater than both clocks."""
        wall = max(self.wall_ms, remote.wall_ms, now_ms)
        if wall == self.wall_ms == remote.wall_ms:
            return _next(wall, max(self.counter, remote.counter), self.node)
        if wall == self.wall_ms:
            return _next(wall, self.counter, self.node)
        if wall == remote.wall_ms:
            return _next(wall, remote.counter, self.node)
        return HLC(wall, 0, self.node)

    def format(self) -> str:
        """Fixed-width text whose lexical order equals the clock order."""
        return f"{self.wall_ms:0{WALL_DIGITS}d}:{self.counter:0{COUNTER_DIGITS}d}:{self.node}"

    def __str__(self) -> str:
        return self.format()


def _next(wall_ms: int, counter: int, node: str) -> HLC:
    # A million events inside one millisecond would overflow the counter; borrowing the
    # next millisecond keeps the clock strictly increasing at the price of 1 ms of drift.
    if counter >= MAX_COUNTER:
        return HLC(wall_ms + 1, 0, node)
    return HLC(wall_ms, counter + 1, node)


def parse(text: str) -> HLC:
    """Read a clock from ``format()`` text. :raise ValueError: the text is not one."""
    if not isinstance(text, str):
        raise ValueError("an HLC is a string")
    # The length bound keeps a huge string out of the cache below.
    clock = _parse_text(text) if len(text) <= MAX_TEXT_LENGTH else None
    if clock is None:
        raise ValueError(f"not an HLC: {text!r}")
    return clock


@functools.lru_cache(maxsize=1024)
def _parse_text(text: str) -> HLC | None:
    # Cached (an HLC is immutable): a push reads each op's clock when it checks the op
    # and again when it merges it.
    match = _TEXT.fullmatch(text)
    return None if match is None else HLC(int(match[1]), int(match[2]), match[3])


def clamp(remote: HLC, now_ms: int, max_drift_ms: int) -> tuple[HLC, bool]:
    """Pull a clock that runs more than ``max_drift_ms`` ahead of ``now_ms`` back to the bound.

    Returns the clock to use and whether it was clamped. Counter and node are kept, so two
    clamped readings from different nodes still differ. Without a bound, one phone with
    its date set a year ahead would win every last-writer-wins merge for a year.
    """
    limit = now_ms + max_drift_ms
    if remote.wall_ms <= limit:
        return remote, False
    return HLC(limit, remote.counter, remote.node), True
