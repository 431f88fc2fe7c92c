"""Which records a user's phone or desk reaches: the sync ``Scope`` each role gets, and the
role sets that decide it. Every read and write of sync records is scoped here, and the
views and policy take these sets from here rather than writing them again.
"""

import functools
from dataclasses import replace

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Dialect

from sync.protocol import Scope

from ..accounts.models import User
from ..directory.models import Site
from ..extensions import db
from .prepared import Prepared

WARD_READERS = frozenset({"hub_staff", "ward_officer"})
"""Read the records of their whole ward."""
MANAGERS = frozenset({"hub_staff", "admin"})
"""Manage records past their phones: restore a deleted one, resubmit or dismiss a
quarantined op."""
STAFF = frozenset({"site_staff", "hub_staff"})
"""Vouch for their sites (a family's arrival at one)."""


@functools.cache
def _ward_sites(dialect: Dialect) -> Prepared:
    # Read on every push and pull of hub staff: through the ORM session the 200 ids of a
    # ward took 0.6 ms, run on the driver 0.2 ms (fetched all at once: row by row cost
    # PostgreSQL another 0.1 ms).
    site = Site.__table__
    return Prepared(select(site.c.id).where(site.c.ward_id == bindparam("ward_id")), dialect,
                    ["ward_id"])


def read_scope(user: User) -> Scope:
    """What a user may read: own sites (volunteer, site staff), the ward (hub staff, ward
    officer), everything (admin). The pull takes ``feed_scope``."""
    if user.role == "admin":
        return Scope.everywhere(may_restore=True)
    if user.role in WARD_READERS:
        found = _ward_sites(db.engine.dialect).run(db.session.connection(), [(user.ward_id,)])
        site_ids = found.scalars().all()
        return Scope(frozenset(map(str, site_ids)), may_restore=user.role in MANAGERS,
                     wards=frozenset({str(user.ward_id)}))
    return Scope(frozenset(str(i) for i in user.site_ids))


def feed_scope(user: User) -> Scope:
    """What a user's pull reads: as ``read_scope``, but a ward reader's by ward alone. The
    feed indexes records by their sites' ward, so the ward's site list (a query on every
    pull of hub staff) is not read."""
    if user.role in WARD_READERS:
        return Scope.of_wards(str(user.ward_id))
    return read_scope(user)


def write_scope(user: User) -> Scope:
    """What a user may push to: as ``read_scope``, but a ward officer only reads, and only
    site and hub staff vouch for their sites (a family's arrival)."""
    if user.role == "ward_officer":
        return Scope(frozenset())
    scope = read_scope(user)
    if user.role in STAFF:
        return replace(scope, staff_sites=scope.sites)
    return scope
