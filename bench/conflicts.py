"""Tsunagu's side of the peers' conflict experiment: semantics and limits, not speed.

Mirrors what the peers' ``conflict_experiment`` asks of Kinto and pouchdb-server: two
edits from the same base, a batch with one bad op, a retried batch and the size limits.
Each outcome is described as a string, as the peers do.
"""

import time
import uuid

import requests

from sync.hlc import HLC

SESSION_DATE = "2026-12-31"  # outside the workload's dates, so these records are new


class _Phone:
    """One phone of the experiment: its own device id and clock, one keep-alive session."""

    def __init__(self, peer, device: str):
        self.peer, self.device = peer, device
        self.s = peer.session()
        self.clock = HLC(0, 0, device)

    def op(self, record_id: str, base_version, changes: dict) -> dict:
        self.clock = self.clock.tick(time.time_ns() // 1_000_000)
        return {"op_id": str(uuid.uuid4()), "device_id": self.device, "collection": "visit",
                "record_id": record_id, "hlc": self.clock.format(),
                "base_version": base_version, "changes": changes}

    def push(self, ops: list) -> requests.Response:
        return self.s.post(self.peer.base + "/api/sync/push",
                           data=self.peer.p.dumps({"protocol": 1, "ops": ops}),
                           headers=self.peer.p.JSON_HEADERS)


def run_conflict_experiment(peer) -> dict:
    a, b = _Phone(peer, "phone-a"), _Phone(peer, "phone-b")
    out = {}
    out.update(_same_base(peer, a, b))
    out.update(_mixed_batch(peer, a))
    out.update(_limits(peer, a))
    return out


def _rid(peer, slot: str) -> str:
    return f"{peer.site_ids[0]}:{SESSION_DATE}:{slot}"


def _current(peer, s, record_id: str, since: int) -> dict | None:
    """The record as a pull from ``since`` returns it (its last change), or None."""
    changes, _, _ = peer.pull(s, since=since)
    found = [c for c in changes if c["record_id"] == record_id]
    return found[-1] if found else None


def _same_base(peer, a: _Phone, b: _Phone) -> dict:
    """Phones A and B edit the notes register (and their counter shares) from one base."""
    rid = _rid(peer, "conflict")
    r0 = a.push([a.op(rid, None, {"notes": "base", "parents": 2})]).json()
    base, since = r0["results"][0]["version"], r0["cursor"] - 1
    ra = a.push([a.op(rid, base, {"notes": "A"})])
    rb = b.push([b.op(rid, base, {"notes": "B", "parents": 3})])
    res_a, res_b = ra.json()["results"][0], rb.json()["results"][0]
    record = _current(peer, a.s, rid, since)
    conflicts = [c for c in a.s.get(peer.base + "/api/sync/conflicts").json()
                 if c["record_id"] == rid]
    # No base at all (a phone that never pulled the record) is concurrent with everything.
    rc = a.push([a.op(rid, None, {"notes": "C-no-base"})]).json()["results"][0]
    after_c = _current(peer, a.s, rid, since)
    return {
        "same_base_update_first": f"push notes='A' base={base} -> HTTP {ra.status_code} "
                                  f"{res_a['status']}, version {res_a['version']}",
        "same_base_update_second": (
            f"push notes='B' base={base} from another phone -> HTTP {rb.status_code} "
            f"{res_b['status']}, version {res_b['version']}, conflicts {res_b['conflicts']}; "
            f"stored notes={record['data']['notes']!r} (latest clock wins), "
            f"parents={record['data']['parents']} (per-phone shares 2 + 3 summed); "
            f"GET /api/sync/conflicts lists "
            f"{[(c['field'], c['value']) for c in conflicts]} for hub staff to resolve"),
        "no_precondition": (
            f"push notes='C-no-base' with base_version null -> {rc['status']}, conflicts "
            f"{len(rc['conflicts'])}; stored notes={after_c['data']['notes']!r} "
            "(never refused; a losing value is kept as a conflict)"),
    }


def _mixed_batch(peer, a: _Phone) -> dict:
    """A good op next to an invalid one, then the same batch again (a retry)."""
    good, bad = _rid(peer, "good"), _rid(peer, "bad")
    ops = [a.op(good, None, {"notes": "new"}), a.op(bad, None, {"parents": -1})]
    r = a.push(ops)
    since = r.json()["cursor"] - 1
    first = [(x["status"], x["reason"]) for x in r.json()["results"]]
    kept = _current(peer, a.s, good, since) is not None
    quarantined = [q["op_id"] for q in a.s.get(peer.base + "/api/sync/quarantine").json()]
    retry = [x["status"] for x in a.push(ops).json()["results"]]
    return {
        "batch_mixed": f"push [good op, parents=-1] -> HTTP {r.status_code}, results {first}; "
                       f"good op kept: {kept}; bad op in GET /api/sync/quarantine: "
                       f"{ops[1]['op_id'] in quarantined} (per op, not atomic)",
        "batch_retry": f"the same batch again (same op ids) -> {retry} (idempotent)",
    }


def _limits(peer, a: _Phone) -> dict:
    over = peer.batch_limit + 1
    ops = [a.op(_rid(peer, f"limit-{i}"), None, {"parents": 1}) for i in range(over)]
    r_count = a.push(ops)
    r_page = a.s.get(peer.base + "/api/sync/pull", params={"cursor": 0, "limit": 10_001})
    # Last, on a phone of its own: after this 413 the server drops the connection.
    big_phone = _Phone(peer, "phone-big")
    big = [big_phone.op(_rid(peer, f"big-{i}"), None, {"notes": "あ" * 2000})
           for i in range(200)]
    r_size = big_phone.push(big)
    return {
        "batch_limit": f"{peer.batch_limit} ops a push; {over} ops -> HTTP {r_count.status_code} "
                       f"{_code(r_count)}; a {len(_body(big_phone, big)) // 1024} KiB push of "
                       f"{len(big)} ops -> HTTP {r_size.status_code} {_code(r_size)} "
                       "(body limit TSUNAGU_MAX_BODY_BYTES, default 1 MiB), answered with "
                       f"'Connection: {r_size.headers.get('Connection')}'; the next request "
                       f"on that connection -> {_next_request(big_phone)}",
        "page_limit": f"pull limit 1…10000 (default 500), then follow cursor while more; "
                      f"limit=10001 -> HTTP {r_page.status_code} {_code(r_page)}",
    }


def _next_request(phone: _Phone) -> str:
    try:
        r = phone.s.get(phone.peer.base + "/api/sync/pull", params={"cursor": 0, "limit": 1})
        return f"HTTP {r.status_code}"
    except requests.RequestException as e:
        return f"{type(e).__name__} ({str(e)[:90]})"


def _body(phone: _Phone, ops: list) -> bytes:
    return phone.peer.p.dumps({"protocol": 1, "ops": ops})


def _code(r: requests.Response) -> str:
    try:
        return r.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return r.text[:80]
