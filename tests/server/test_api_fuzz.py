"""Schemathesis fuzzes every operation of ``/api/openapi.json`` in-process, as hub staff and
as a volunteer of a ward with sites, programmes, a contact and cards.

Each operation gets schemathesis' phases (the document's examples, the coverage of its
boundaries, then fuzzing, positive and negative) and its default checks: no 5xx, only
documented statuses, responses, headers and content types as documented, negative data
rejected, auth enforced. One default check is left out, ``positive_data_acceptance``
("what the document allows gets a 2xx"): the server refuses with a documented 422 what
OpenAPI 3.0 cannot state — a range whose ``to`` is before its ``from``, an age minimum
above the maximum, an area of another ward, a wrong current password, a role that needs
a ward, dates outside 2000–2100, a NUL character, a number beyond 64 bits inside a
free-form value. It found those (and nothing else), and each is a 422 with the field
named. Every case is sent as each of the two users,
most of them at the world's real sites, programmes, cards and devices.
A 5xx reaches the test as the server's own exception (schemathesis re-raises what a Flask
view raised), so the report carries the server's traceback. The rate limiter is off, as for
every test app (``RATELIMIT_ENABLED``).

Logout and device revoke sign out whoever calls them, so they are called with a throw-away
device of the same user; a revoke aimed at the fuzzer's own device gets it a new one.

A test runs all its cases: each distinct failure is a failed subtest (with the request to
reproduce it), and the test fails if any subtest did. ``TSUNAGU_FUZZ_TALLY=/some/file.jsonl``
collects every test's cases and failures; ``python -m tests.server.fuzz_support
/some/file.jsonl`` sums them up.
"""

import contextlib
import re
import zlib

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.failures import FailureGroup

from server import create_app
from server.accounts.models import Device
from server.directory.models import ContactPerson, Programme
from server.extensions import db
from server.inbox.messages import add_message
from server.timeutil import utcnow

from .fuzz_support import Sessions, Tally

pytestmark = pytest.mark.slow

# The document comes from the code, not the data, so an app without a database serves it
# at collection, and each operation is a test of its own. Each test then calls its own app
# (the ``app`` fixture's database) with ``app=``; a request that reached this one instead
# would fail loudly (it has no tables). (``schemathesis.pytest.from_fixture`` would load the
# document from the fixture's app, but schemathesis 4.32 reads and rewrites
# ``request.node._nodeid`` there, which pytest 9.2 no longer has.)
DOCUMENT_APP = create_app({
    "TESTING": True, "SECRET_KEY": "document only", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", DOCUMENT_APP)

# Path parameter → the values that name something in the world under test (filled by
# ``ward_world``; a process runs one test at a time). Random ids and ward codes almost
# always miss, and a 404 answers before the code worth testing runs (the coverage phase's
# body boundaries, say); so most cases are aimed at real things (see ``aimed_at_world``).
REAL_PATH_VALUES: dict[str, list] = {}


@contextlib.contextmanager
def aimed_at_world(case):
    """Replace most of ``case``'s path parameters with real ones, the same way each run,
    and put them back after (Hypothesis reuses the explicit cases in the other tests).

    Only a valid value is replaced (by a valid one): the document types every path
    parameter and bounds none, so a negative case's value stays as it is.
    """
    generated = case.path_parameters
    if isinstance(generated, dict):
        seed = zlib.crc32(repr((generated, case.query, case.body)).encode())
        aimed = dict(generated)
        for name, value in generated.items():
            real = REAL_PATH_VALUES.get(name)
            if real and _is_valid(value, like=real[0]):
                pick = (seed + zlib.crc32(name.encode())) % (len(real) + 1)
                if pick < len(real):  # and one time in len(real) + 1, the fuzzed value
                    aimed[name] = real[pick]
        case.path_parameters = aimed
    try:
        yield
    finally:
        case.path_parameters = generated


def _is_valid(value, like) -> bool:
    if isinstance(like, str):
        return isinstance(value, str)
    # An integer, which the coverage phase writes as it goes in the URL.
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and INTEGER.fullmatch(value) is not None)


INTEGER = re.compile(r"-?[0-9]+")

ACTORS = ("hub", "volunteer")
# Operations that sign out the device that calls them.
SIGN_OUT = {("POST", "/api/auth/logout"), ("POST", "/api/devices/{device_id}/revoke")}


@pytest.fixture
def ward_world(app, ward, other_ward, create_site, create_user, mint_card, issue_card,
               client, auth_header):
    """A ward with a few sites, programmes, a contact, minted and issued cards, and people
    (and a site and a volunteer in another ward)."""
    hiroba = create_site("nursery_hiroba")
    salon = create_site("salon")
    hub_site = create_site("hub", weekdays="12345")
    elsewhere = create_site("salon", ward=other_ward)
    hub = create_user("hub_staff")
    volunteer = create_user("volunteer", sites=[hiroba, salon])
    create_user("site_staff", sites=[hiroba])
    create_user("volunteer", ward=other_ward, sites=[elsewhere])
    headers = auth_header(hub)
    for site, title, theme in ((hiroba, "園庭開放", "yard_open"),
                               (salon, "交流保育", "exchange_play")):
        response = client.post(f"/api/sites/{site.id}/programmes", headers=headers, json={
            "title": title, "theme": theme, "starts_on": "2026-12-01"})
        assert response.status_code == 201, response.json
    response = client.post(f"/api/sites/{hiroba.id}/contacts", headers=headers,
                           json={"display_name": "さとうさん", "role": "nursery_teacher"})
    assert response.status_code == 201, response.json
    issued = mint_card(volunteer, hiroba)["short_code"]
    issue_card(volunteer, issued, hiroba, salon)
    minted = [mint_card(volunteer, salon)["short_code"],
              mint_card(hub, hub_site, printed=True)["short_code"]]
    # The hub's inbox: a reminder of this ward, and a digest of the other.
    inbox = [add_message(w.id, kind, "fuzz", {"source": "fuzz"}, utcnow()).id
             for w, kind in ((ward, "reminder"), (other_ward, "digest"))]
    meeting = client.post(f"/api/wards/{ward.code}/meetings", headers=headers, json={
        "held_on": "2026-11-10", "title": "連絡会", "site_ids": [hiroba.id]})
    assert meeting.status_code == 201, meeting.json
    issue_id = _raise_issue(client, auth_header(volunteer), salon)
    db.session.commit()
    REAL_PATH_VALUES.clear()
    REAL_PATH_VALUES.update({
        "code": [ward.code, other_ward.code],
        "site_id": [hiroba.id, salon.id, hub_site.id, elsewhere.id],
        "programme_id": list(db.session.scalars(sa.select(Programme.id))),
        "contact_id": list(db.session.scalars(sa.select(ContactPerson.id))),
        "device_id": list(db.session.scalars(sa.select(Device.id))),
        "short_code": [issued, *minted],
        "collection": ["card"],
        "record_id": [issued],
        "message_id": inbox,
        "meeting_id": [meeting.json["id"]],
        "issue_id": [issue_id],
    })
    return {"hub": hub, "volunteer": volunteer}


def _raise_issue(client, headers: dict, site) -> str:
    """A regional issue raised from a phone at ``site``, as the PWA sends it."""
    issue_id = "issue-fuzz-1"
    op = {"op_id": "5b0e8c1e-4f7a-4c53-9a55-0c2f1a6e1d01", "device_id": "phone-fuzz",
          "user_id": "x", "collection": "local_issue", "record_id": issue_id,
          "hlc": f"{1_790_000_000_000:015d}:000000:phone-fuzz", "base_version": None,
          "changes": {"site_id": str(site.id), "title": "外遊びが減った",
                      "raised_on": "2026-11-20"}}
    response = client.post("/api/sync/push", json={"protocol": 1, "ops": [op]},
                           headers=headers)
    assert response.json["results"][0]["status"] == "applied", response.json
    return issue_id


@pytest.fixture
def actors(request, ward_world):
    """Each user the fuzzer acts as, with its tokens; and the test's tally."""
    sessions = {name: Sessions(ward_world[name].id) for name in ACTORS}
    tally = Tally(request.node.name)
    yield sessions, tally
    tally.reissued = {name: s.reissued for name, s in sessions.items()}
    tally.write()
    print(tally.summary())


# Bounded and reproducible. One world (``app``) serves all the cases of an operation on
# purpose, as one database serves a real server's requests.
@schema.parametrize()
@settings(max_examples=25, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_api_answers_as_its_document_says(case, app, actors, subtests):
    sessions, tally = actors
    with aimed_at_world(case):
        for actor in ACTORS:
            call_and_validate(case, app, actor, sessions[actor], tally, subtests)


def call_and_validate(case, app, actor: str, sessions: Sessions, tally: Tally,
                      subtests) -> None:
    """Send ``case`` as ``actor`` and run schemathesis' default checks on the answer.

    A failure not seen before in this test fails a subtest; the test goes on with its
    other cases (as schemathesis' ``continue-on-failure``), so one test shows all of an
    operation's distinct failures, each with the first case that had it.
    """
    __tracebackhide__ = True
    # A fresh app context per case gives each request its own database session, as
    # behind a real server (the fixture's context would share one across requests).
    with app.app_context():
        if case.operation.schema.is_security_param_negated(case):
            # The case is about a missing or malformed token: send it as generated.
            headers = {}
        elif (case.method.upper(), case.path) in SIGN_OUT:
            headers = sessions.throwaway()
        else:
            headers = sessions.main()
        try:
            response = case.call(headers=headers, app=app)
        except Exception as error:
            if key := tally.record_exception(case, actor, error):
                with subtests.test(msg=f"as {actor}: {key}"):
                    raise
            return
        tally.count(actor, response.status_code)
        try:
            # The checks' own requests (auth probes and the like) go to the same app.
            case.validate_response(response, headers=headers,
                                   excluded_checks=[positive_data_acceptance],
                                   transport_kwargs={"headers": dict(headers), "app": app})
        except FailureGroup as group:
            if keys := tally.record_failures(case, actor, response, group):
                with subtests.test(msg=f"as {actor}: {'; '.join(keys)}"):
                    # The group's message has the response and a curl command.
                    raise AssertionError(group.message) from None
        except Exception as error:
            # A check's own request (a probe) met a server exception.
            if key := tally.record_exception(case, actor, error, in_probe=True):
                with subtests.test(msg=f"as {actor}: {key}"):
                    raise
