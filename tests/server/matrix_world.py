"""The world the role matrix asks about: two wards, one person of each role in each, and
ward A's resources, with factories for a fresh target per request.

Ward A is the ward every request of the matrix aims at; ward B is "elsewhere". Each
actor of ``ACTORS`` has a signed-in device, except ``anonymous`` (no token) and
``revoked`` (a volunteer of ward A whose device was revoked).
"""

import functools
import itertools
import time
import uuid
from dataclasses import dataclass, field
from datetime import time as time_of_day
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from flask.testing import FlaskClient

from server.accounts.auth import issue_device
from server.accounts.models import Membership, User
from server.cards import tokens
from server.directory.models import Site, Ward
from server.extensions import db
from server.timeutil import today_local, utcnow
from sync.hlc import HLC

PASSWORD = "correct horse battery"
# Argon2's smallest settings. The matrix signs in and changes passwords dozens of times;
# it checks who may, not how slow a hash is (tests/server/test_accounts.py does that).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

ACCOUNTS = ("admin", "hub", "hub_elsewhere", "ward_officer", "ward_officer_elsewhere",
            "site_staff", "site_staff_elsewhere", "volunteer", "volunteer_elsewhere")
ACTORS = (*ACCOUNTS, "anonymous", "revoked")

# actor → (role, ward, the site it belongs to); "a" is the ward under test.
PEOPLE = {
    "admin": ("admin", None, None),
    "hub": ("hub_staff", "a", None),
    "hub_elsewhere": ("hub_staff", "b", None),
    "ward_officer": ("ward_officer", "a", None),
    "ward_officer_elsewhere": ("ward_officer", "b", None),
    "site_staff": ("site_staff", "a", "a"),
    "site_staff_elsewhere": ("site_staff", "b", "b"),
    "volunteer": ("volunteer", "a", "a"),
    "volunteer_elsewhere": ("volunteer", "b", "b"),
    "revoked": ("volunteer", "a", "a"),
    # Not actors: they write what the actors then act on, so no actor is its author.
    "writer": ("volunteer", "a", "a"),
    "second_writer": ("volunteer", "a", "a"),
    "writer_elsewhere": ("volunteer", "b", "b"),
}


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class World:
    client: FlaskClient
    wards: dict[str, Ward]
    sites: dict[str, Site]
    users: dict[str, User]
    headers: dict[str, dict] = field(default_factory=dict)
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    # --- building -----------------------------------------------------------------------

    @classmethod
    def build(cls, client: FlaskClient) -> "World":
        wards = {"a": _ward("14101"), "b": _ward("14102")}
        sites = {"a": _site(wards["a"], 1), "b": _site(wards["b"], 2)}
        db.session.flush()
        password_hash = CHEAP_HASHER.hash(PASSWORD)
        users = {}
        for name, (role, ward, site) in PEOPLE.items():
            users[name] = User(
                login=name.replace("_", "-"), display_name=name, role=role,
                ward_id=wards[ward].id if ward else None, password_hash=password_hash,
                memberships=[Membership(site_id=sites[site].id)] if site else [])
            db.session.add(users[name])
        db.session.commit()
        world = cls(client, wards, sites, users)
        world.headers = {actor: world._device_header(actor)
                         for actor in dict.fromkeys((*ACTORS, *PEOPLE))}
        db.session.commit()
        return world

    @functools.cached_property
    def programme_id(self) -> int:
        """A programme of site A."""
        return self.new_programme()

    @functools.cached_property
    def card(self) -> tuple[str, str]:
        """The short code and token of a card issued at site A for site A, planned in a
        week (so its page can offer a calendar entry)."""
        return self.new_card("a", "a", planned_date=(
            today_local() + timedelta(days=7)).isoformat())

    @property
    def card_token(self) -> str:
        return self.card[1]

    @property
    def code(self) -> str:
        """Ward A's code, the ward every request aims at."""
        return self.wards["a"].code

    def site_id(self, which: str = "a") -> int:
        return self.sites[which].id

    def serial(self) -> int:
        return next(self._serial)

    # --- people and devices -------------------------------------------------------------

    def headers_for(self, actor: str) -> dict:
        """A new device's Authorization header (revoked at once for ``revoked``)."""
        headers = self._device_header(actor)
        db.session.commit()
        return headers

    def _device_header(self, actor: str) -> dict:
        if actor == "anonymous":
            return {}
        device, token = issue_device(self.users[actor], "matrix phone")
        if actor == "revoked":
            device.revoked_at = utcnow()
        return {"Authorization": f"Bearer {token}"}

    def new_device(self, owner: str = "writer") -> int:
        device, _token = issue_device(self.users[owner], "lost phone")
        db.session.commit()
        return device.id

    def new_pairing_code(self, owner: str = "writer") -> str:
        response = self.client.post("/api/pairings", json={"user_id": self.users[owner].id},
                                    headers=self.headers["admin"])
        assert response.status_code == 201, response.get_json()
        return response.get_json()["code"]

    # --- directory ------------------------------------------------------------------------

    def new_programme(self) -> int:
        response = self.client.post(
            f"/api/sites/{self.site_id()}/programmes", headers=self.headers["admin"],
            json={"title": f"園庭開放 {self.serial()}", "theme": "yard_open",
                  "starts_on": "2026-12-01"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def new_contact(self) -> int:
        response = self.client.post(
            f"/api/sites/{self.site_id()}/contacts", headers=self.headers["admin"],
            json={"display_name": f"さとうさん{self.serial()}", "role": "nursery_teacher"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    # --- sync -------------------------------------------------------------------------------

    def op(self, collection: str, record_id: str, changes: dict, *, device: str = "phone",
           at_ms: int | None = None, **extra) -> dict:
        return {"op_id": str(uuid.uuid4()), "device_id": device, "user_id": "ignored",
                "collection": collection, "record_id": record_id,
                "hlc": HLC(at_ms or now_ms() - 60_000, 0, device).format(),
                "base_version": None, "changes": changes, **extra}

    def push(self, headers: dict, *ops: dict) -> list[dict]:
        response = self.client.post("/api/sync/push", json={"protocol": 1, "ops": list(ops)},
                                    headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"]

    def push_as(self, author: str, *ops: dict) -> list[dict]:
        return self.push(self.headers[author], *ops)

    def visit_id(self, which: str = "a") -> str:
        return f"{self.site_id(which)}:2026-11-30:s{self.serial()}"

    def mint(self, which: str) -> tuple[str, str]:
        """A short code and token minted for site ``which`` (no QR: the HTTP route makes
        one, and the matrix mints hundreds)."""
        ((row, token),) = tokens.mint(self.site_id(which), 1, user_id=self.users["admin"].id)
        db.session.commit()
        return row.short_code, token

    def card_changes(self, issuing: str | None, target: str | None, **fields) -> dict:
        changes = {"status": "issued", "issued_on": "2026-11-28", **fields}
        if issuing:
            changes["issuing_site_id"] = str(self.site_id(issuing))
        if target:
            changes["target_site_id"] = str(self.site_id(target))
        return changes

    def new_card(self, issuing: str, target: str, **fields) -> tuple[str, str]:
        """A card issued by a volunteer of site ``issuing`` to site ``target``."""
        code, token = self.mint(issuing)
        author = "writer" if issuing == "a" else "writer_elsewhere"
        (result,) = self.push_as(author, self.op("card", code, self.card_changes(
            issuing, target, **fields)))
        assert result["status"] == "applied", result
        return code, token

    def new_quarantined(self) -> tuple[str, dict]:
        """The entry id of a quarantined op aimed at site A (a negative count), and the
        op corrected, with an op id of its own."""
        bad = self.op("visit", self.visit_id(), {"parents": -1})
        (result,) = self.push_as("writer", bad)
        assert result["reason"] == "invalid_value", result
        corrected = {**bad, "op_id": str(uuid.uuid4()), "changes": {"parents": 1}}
        return f"{self.users['writer'].id}:{bad['op_id']}", corrected

    def new_conflict(self, loser: str = "writer") -> str:
        """The id of an open conflict on a session log of site A, between two writers:
        ``loser``'s note lost to a later one."""
        record_id = self.visit_id()
        (base,) = self.push_as("writer", self.op("visit", record_id, {"notes": "はじめ"}))
        start = now_ms() - 30_000
        for author, at_ms, notes in ((loser, start, "雨で少なめ"),
                                     ("second_writer", start + 1_000, "外遊び")):
            self.push_as(author, self.op("visit", record_id, {"notes": notes}, device=author,
                                         at_ms=at_ms, base_version=base["version"]))
        listed = self.client.get("/api/sync/conflicts", headers=self.headers["admin"]).json
        (conflict,) = [c for c in listed if c["record_id"] == record_id]
        return conflict["conflict_id"]

    @functools.cached_property
    def session_log(self) -> str:
        """The record id of a session log of site A."""
        record_id = self.visit_id()
        (made,) = self.push_as("writer", self.op("visit", record_id, {"parents": 2}))
        assert made["status"] == "applied", made
        return record_id

    def review_changes(self, site: str | None, status: str = "open") -> dict:
        """A new review mark's changes: a question about a session log of ``site``."""
        changes = {"target_collection": "visit", "target_record_id": self.visit_id(site or "a"),
                   "comment": "来場者数をご確認ください", "status": status}
        if site:
            changes["site_id"] = str(self.site_id(site))
        return changes

    def new_review_mark(self, site: str) -> str:
        """The id of an open review mark on site ``site``, raised by the admin."""
        mark_id = str(uuid.uuid4())
        (made,) = self.push_as("admin", self.op("review", mark_id, self.review_changes(site)))
        assert made["status"] == "applied", made
        return mark_id

    def new_tombstone(self) -> str:
        """The record id of a deleted session log of site A."""
        record_id = self.visit_id()
        (made,) = self.push_as("writer", self.op("visit", record_id, {"parents": 2}))
        (gone,) = self.push_as("writer", self.op("visit", record_id, {}, delete=True,
                                                 base_version=made["version"]))
        assert gone["status"] == "applied", gone
        return record_id


def _ward(code: str) -> Ward:
    return db.session.execute(sa.select(Ward).where(Ward.code == code)).scalar_one()


def _site(ward: Ward, n: int) -> Site:
    site = Site(source_key=f"{ward.code}:M{n}", ward_id=ward.id, kind="nursery_hiroba",
                source_type="テスト", schedule_kind="permanent", municipality_code=ward.code,
                number=f"M{n}", prefecture="神奈川県", municipality=f"横浜市{ward.name_ja}",
                name=f"マトリクス施設{n}", open_weekdays="12345", opens_at=time_of_day(10),
                closes_at=time_of_day(12))
    db.session.add(site)
    return site
