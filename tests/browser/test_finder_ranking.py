"""The site finder (pwa/js/finder.js) in real Chromium: which site a volunteer is shown
first for a family's wishes, age and days, on small hand-built directories."""

import pytest

pytestmark = pytest.mark.browser

TODAY = "2026-12-01"  # a Tuesday
ORIGIN = {"latitude": 35.5, "longitude": 139.6}

RANK_JS = """async ([sites, events, query, options]) => {
  const f = await import('/js/finder.js');
  return f.rankSites(sites, events, query, options)
    .map(r => ({id: r.site.id, score: r.score, reasons: r.reasons.map(x => x.code)}));
}"""

RANK_FULL_JS = """async ([sites, events, query, options]) => {
  const f = await import('/js/finder.js');
  return f.rankSites(sites, events, query, options)
    .map(r => ({id: r.site.id, score: r.score, reasons: r.reasons, km: r.km,
                nextEvents: r.nextEvents}));
}"""


def site(id_, name=None, *, tags=(), age=(None, None), weekdays=(), north=None, **extra):
    """A site as GET /api/wards/<code>/sites sends it; ``north`` puts it that many degrees
    of latitude north of ORIGIN (0.0045° ≈ 0.5 km, 0.0225° ≈ 2.5 km, 0.036° ≈ 4.0 km)."""
    return {
        "id": id_, "name": name or f"施設{id_}", "kind": "salon", "schedule_kind": "periodic",
        "latitude": None if north is None else ORIGIN["latitude"] + north,
        "longitude": None if north is None else ORIGIN["longitude"],
        "age_min_months": age[0], "age_max_months": age[1],
        "open_weekdays": list(weekdays), "opens_at": "10:00", "closes_at": "12:00",
        "tags": list(tags), "capacity": None, **extra,
    }


def event(site_id, date, starts_at="10:00", *, programme_id=1, booking=False, capacity=None,
          **extra):
    """An event as GET /api/wards/<code>/events sends it."""
    return {
        "date": date, "starts_at": starts_at, "ends_at": None, "programme_id": programme_id,
        "title": f"講座{programme_id}", "theme": "parenting_class", "site_id": site_id,
        "site_name": f"施設{site_id}", "site_kind": "salon", "booking_required": booking,
        "capacity": capacity, "what_to_bring": "", **extra,
    }


def query(wishes=(), age=None, weekdays=()):
    return {"wishes": list(wishes), "ageMonths": age, "weekdays": list(weekdays)}


def options(from_site=None, **extra):
    return {"fromSite": from_site, "today": TODAY, "soonDays": 14, **extra}


@pytest.fixture
def rank(live, page):
    page.goto(live.url + "/")

    def run(sites, events=(), q=None, opts=None, full=False):
        args = [sites, list(events), q or query(), opts or options()]
        return page.evaluate(RANK_FULL_JS if full else RANK_JS, args)

    return run


def test_matched_wishes_outrank_a_nearer_site_with_none(rank):
    here = site(1, north=0)
    next_door = site(2, "となりのサロン", north=0)
    homely = site(3, "のびのび広場", tags=["small_homely", "outdoor_play", "saturday"],
                  north=0.036)
    one_wish = site(4, "あおぞら", tags=["outdoor_play"], north=0.036)
    result = rank([here, next_door, homely, one_wish], [],
                  query(wishes=["small_homely", "outdoor_play"]), options(here))
    assert result == [
        {"id": 3, "score": 6.4, "reasons": ["wish", "wish", "near"]},
        {"id": 4, "score": 3.4, "reasons": ["wish", "near"]},
        {"id": 2, "score": 2.0, "reasons": ["near"]},
    ]
    full = rank([here, homely], [], query(wishes=["outdoor_play", "small_homely"]),
                options(here), full=True)
    assert full[0]["reasons"] == [{"code": "wish", "tag": "outdoor_play"},
                                  {"code": "wish", "tag": "small_homely"},
                                  {"code": "near", "km": 4.0}]


def test_a_child_of_30_months_sinks_a_site_for_0_to_24_months(rank):
    sites = [site(1, "あかちゃんひろば", age=(0, 24), tags=["small_homely"]),
             site(2, "こどもひろば", age=(0, 71)),
             site(3, "だれでもひろば"),
             site(4, "ようじひろば", age=(36, None))]
    result = rank(sites, [], query(wishes=["small_homely"], age=30))
    assert result == [
        {"id": 2, "score": 2, "reasons": ["age"]},
        {"id": 3, "score": 2, "reasons": ["age"]},
        {"id": 1, "score": -7, "reasons": ["wish", "age_not_served"]},
        {"id": 4, "score": -10, "reasons": ["age_not_served"]},
    ]
    # With no age given, age is not scored either way.
    assert [r["score"] for r in rank(sites, [], query(wishes=["small_homely"]))] == [3, 0, 0, 0]


def test_pregnancy_is_served_from_minus_9_months_or_with_the_prenatal_tag(rank, page):
    sites = [site(1, "あ", age=(0, 36)),
             site(2, "い", age=(-9, 36)),
             site(3, "う", age=(0, 36), tags=["prenatal_ok"]),
             site(4, "え")]
    assert rank(sites, [], query(age=-9)) == [
        {"id": 2, "score": 2, "reasons": ["age"]},
        {"id": 3, "score": 2, "reasons": ["age"]},
        {"id": 1, "score": -10, "reasons": ["age_not_served"]},
        {"id": 4, "score": -10, "reasons": ["age_not_served"]},
    ]
    served = page.evaluate("""async ([sites]) => {
      const f = await import('/js/finder.js');
      return [[-9, 0, 36, 37, null]].flatMap(ages => sites.map(
        s => ages.map(a => f.ageServed(s, a))));
    }""", [sites])
    assert served == [[False, True, True, False, None],
                      [True, True, True, False, None],
                      [True, True, True, False, None],
                      [False, True, True, True, None]]


def test_open_on_a_preferred_weekday_adds_two(rank):
    sites = [site(1, "あ", weekdays=[0, 1, 2, 3, 4]),
             site(2, "い", weekdays=[5]),
             site(3, "う", weekdays=[2, 5, 6]),
             site(4, "え")]
    full = rank(sites, [], query(weekdays=[6, 5]), full=True)
    assert [(r["id"], r["score"], r["reasons"]) for r in full] == [
        (2, 2, [{"code": "open_on_day", "weekdays": [5]}]),
        (3, 2, [{"code": "open_on_day", "weekdays": [5, 6]}]),
        (1, 0, []),
        (4, 0, []),
    ]
    # No preferred days: no points either way, so the order is by name.
    assert rank(sites, [], query()) == [{"id": i, "score": 0, "reasons": []} for i in (1, 2, 3, 4)]


def test_distance_breaks_otherwise_equal_sites(rank):
    here = site(10, "ここ", north=0)
    sites = [here,
             site(1, "あ", north=0.054),     # 6.0 km: beyond 5 km, no points
             site(2, "い", north=0.0225),    # 2.5 km
             site(3, "う"),                  # no coordinates
             site(4, "え", north=0.0045)]    # 0.5 km
    full = rank(sites, [], query(), options(here), full=True)
    assert [(r["id"], r["score"], r["reasons"], r["km"]) for r in full] == [
        (4, 1.8, [{"code": "near", "km": 0.5}], 0.5),
        (2, 1.0, [{"code": "near", "km": 2.5}], 2.5),
        (1, 0, [], 6.0),
        (3, 0, [], None),
    ]
    # Without a current site there is no origin, and the order is by name.
    assert [r["id"] for r in rank(sites[1:], [], query())] == [1, 2, 3, 4]


def test_haversine_km(page, live):
    page.goto(live.url + "/")
    tokyo = {"latitude": 35.6812, "longitude": 139.7671}
    yokohama = {"latitude": 35.4658, "longitude": 139.6223}
    km, same, unknown = page.evaluate("""async ([a, b]) => {
      const f = await import('/js/finder.js');
      return [f.haversineKm(a, b), f.haversineKm(a, a),
              f.haversineKm(a, {latitude: null, longitude: 139.6})];
    }""", [tokyo, yokohama])
    assert km == pytest.approx(27.30, abs=0.01)
    assert same == 0
    assert unknown is None


def test_a_programme_within_14_days_adds_a_point_and_one_in_20_days_does_not(rank):
    sites = [site(1, "あ"), site(2, "い"), site(3, "う"), site(4, "え"), site(5, "お"),
             site(6, "か"), site(7, "き")]
    events = [
        event(1, "2026-12-21", programme_id=11),                  # 20 days away
        event(2, "2026-12-15", programme_id=12),                  # 14 days away: counts
        event(2, "2026-12-03", programme_id=13),                  # also soon: still +1
        event(6, "2026-12-15", programme_id=17),                  # 14 days away: counts
        event(7, "2026-12-16", programme_id=18),                  # 15 days away
        event(3, "2026-11-30", programme_id=14),                  # yesterday
        event(4, "2026-12-02", programme_id=15,                   # for babies only
              target_age_min_months=0, target_age_max_months=11),
        event(5, "2026-12-05", programme_id=16,                   # for 2-3 years
              target_age_min_months=24, target_age_max_months=47),
    ]
    full = rank(sites, events, query(age=30), full=True)
    assert [(r["id"], r["score"], [x["code"] for x in r["reasons"]]) for r in full] == [
        (2, 3, ["age", "programme_soon"]),
        (5, 3, ["age", "programme_soon"]),
        (6, 3, ["age", "programme_soon"]),
        (1, 2, ["age"]),
        (3, 2, ["age"]),
        (4, 2, ["age"]),
        (7, 2, ["age"]),
    ]
    assert full[0]["reasons"][1] == {"code": "programme_soon", "programmeId": 13,
                                     "date": "2026-12-03", "title": "講座13"}
    # The server's events carry no target ages: they come from the programmes when given.
    plain = [event(4, "2026-12-02", programme_id=15)]
    programmes = [{"id": 15, "site_id": 4, "target_age_min_months": 0,
                   "target_age_max_months": 11}]
    assert rank([sites[3]], plain, query(age=30))[0]["score"] == 3
    assert rank([sites[3]], plain, query(age=30), options(programmes=programmes))[0] == {
        "id": 4, "score": 2, "reasons": ["age"]}
    assert rank([sites[3]], plain, query(age=6), options(programmes=programmes))[0] == {
        "id": 4, "score": 3, "reasons": ["age", "programme_soon"]}
    # Pregnancy fits a programme from -9 months, or one with no target ages.
    prenatal = [site(1, "あ", age=(-9, 36)), site(2, "い", age=(-9, 36)),
                site(3, "う", age=(-9, 36))]
    classes = [event(1, "2026-12-04", programme_id=21,
                     target_age_min_months=-9, target_age_max_months=0),
               event(2, "2026-12-04", programme_id=22,
                     target_age_min_months=0, target_age_max_months=11),
               event(3, "2026-12-04", programme_id=23)]
    assert rank(prenatal, classes, query(age=-9)) == [
        {"id": 1, "score": 3, "reasons": ["age", "programme_soon"]},
        {"id": 3, "score": 3, "reasons": ["age", "programme_soon"]},
        {"id": 2, "score": 2, "reasons": ["age"]},
    ]


def test_the_current_site_is_excluded(rank):
    here = site(1, "ひだまりサロン", tags=["small_homely"], north=0)
    other = site(2, "つどいの広場", north=0.0225)
    assert rank([here, other], [], query(wishes=["small_homely"]), options(here)) == [
        {"id": 2, "score": 1.0, "reasons": ["near"]}]
    assert [r["id"] for r in rank([here, other], [], query(wishes=["small_homely"]))] == [1, 2]


def test_ties_are_broken_by_name_then_id(rank):
    sites = [site(5, "ひまわりサロン"), site(3, "さくら広場"), site(9, "あおぞら"),
             site(2, "さくら広場"), site(7, "ひまわりサロン", tags=["meet_many"])]
    expected = [7, 9, 2, 3, 5]
    assert [r["id"] for r in rank(sites, [], query(wishes=["meet_many"]))] == expected
    assert [r["id"] for r in rank(sites[::-1], [], query(wishes=["meet_many"]))] == expected


def test_next_events_are_sorted_capped_at_three_and_carry_booking(rank):
    sites = [site(1, "あ", capacity=20), site(2, "い")]
    events = [
        event(1, "2026-12-10", "13:00", programme_id=4),
        event(1, "2026-11-28", "10:00", programme_id=1),  # past: not listed
        event(1, "2026-12-10", "10:30", programme_id=3, booking=True, capacity=12),
        event(2, "2026-12-02", "10:00", programme_id=9),
        event(1, "2026-12-01", None, programme_id=2),
        event(1, "2027-01-05", "10:00", programme_id=5),
    ]
    full = rank(sites, events, query(), full=True)
    by_id = {r["id"]: r for r in full}
    nxt = by_id[1]["nextEvents"]
    assert [(e["date"], e["starts_at"], e["programme_id"]) for e in nxt] == [
        ("2026-12-01", None, 2), ("2026-12-10", "10:30", 3), ("2026-12-10", "13:00", 4)]
    assert [(e["needsBooking"], e["capacity"]) for e in nxt] == [
        (False, None), (True, 12), (False, None)]
    assert nxt[1]["title"] == "講座3" and nxt[1]["what_to_bring"] == ""
    assert [e["programme_id"] for e in by_id[2]["nextEvents"]] == [9]


def test_inputs_are_not_mutated_and_the_clock_is_not_read(live, page):
    page.goto(live.url + "/")
    here = site(1, "ここ", north=0)
    sites = [site(3, "う", tags=["outdoor_play"], north=0.0225, age=(0, 36), weekdays=[5]),
             here, site(2, "い", north=0.0045)]
    events = [event(3, "2026-12-20", programme_id=2), event(3, "2026-12-02", programme_id=1),
              event(2, "2026-11-01", programme_id=3)]
    q = query(wishes=["outdoor_play", "outdoor_play"], age=12, weekdays=[6, 5])
    unchanged, same_again = page.evaluate("""async ([sites, events, query, options]) => {
      const f = await import('/js/finder.js');
      const freeze = (v) => { if (v && typeof v === 'object') {
        Object.values(v).forEach(freeze); Object.freeze(v); } return v; };
      const before = JSON.stringify([sites, events, query, options]);
      freeze([sites, events, query, options]);  // a write would now throw (modules are strict)
      const realNow = Date.now;
      Date.now = () => { throw new Error('read the clock'); };
      try {
        const first = JSON.stringify(f.rankSites(sites, events, query, options));
        const second = JSON.stringify(f.rankSites(sites, events, query, options));
        return [JSON.stringify([sites, events, query, options]) === before, first === second];
      } finally { Date.now = realNow; }
    }""", [sites, events, q, options(here)])
    assert unchanged and same_again
    result = page.evaluate(RANK_JS, [sites, events, q, options(here)])
    assert result == [
        {"id": 3, "score": 9.0, "reasons": ["wish", "age", "open_on_day", "near",
                                            "programme_soon"]},
        {"id": 2, "score": 3.8, "reasons": ["age", "near"]},
    ]
