"""Processes writing one SQLite file take turns at a file lock (``_FileTurn``), a forked
worker included: it opens the file for itself, so its parent's turn holds it back."""

import os
import select
import time

from server.replication.store import _FileTurn


def test_a_worker_forked_after_its_parent_wrote_waits_for_the_parents_turn(tmp_path):
    turn = _FileTurn(str(tmp_path / "store.sqlite3-writers.lock"))
    with turn:
        pass  # the parent has written once: its open file would pass to a forked child
    read_end, write_end = os.pipe()
    with turn:
        child = os.fork()
        if child == 0:  # pragma: no cover (the child's lines run in another process)
            with turn:
                os.write(write_end, b"x")
            os._exit(0)
        # With the parent's open file, flock would let the child in at once.
        time.sleep(0.5)
        readable, _, _ = select.select([read_end], [], [], 0)
        assert readable == [], "the child wrote while the parent held its turn"
    os.waitpid(child, 0)
    assert os.read(read_end, 1) == b"x"
