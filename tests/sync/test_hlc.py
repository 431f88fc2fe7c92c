"""Hybrid logical clock: tick, receive, text form and clamping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.hlc import HLC, MAX_COUNTER, clamp, parse


@pytest.mark.parametrize(
    ("clock", "now_ms", "expected"),
    [
        (HLC(100, 5, "a"), 200, HLC(200, 0, "a")),  # wall time moved on: counter resets
        (HLC(100, 5, "a"), 100, HLC(100, 6, "a")),  # same millisecond: counter steps
        (HLC(100, 5, "a"), 50, HLC(100, 6, "a")),  # wall clock went back: never goes back
        (HLC(100, MAX_COUNTER, "a"), 100, HLC(101, 0, "a")),  # counter full: borrow 1 ms
    ],
)
def test_tick_is_strictly_increasing_and_follows_wall_time(clock, now_ms, expected):
    assert clock.tick(now_ms) == expected
    assert clock.tick(now_ms) > clock


@pytest.mark.parametrize(
    ("local", "remote", "now_ms", "expected"),
    [
        (HLC(100, 1, "a"), HLC(90, 7, "b"), 300, HLC(300, 0, "a")),  # now is ahead of both
        (HLC(100, 1, "a"), HLC(200, 7, "b"), 150, HLC(200, 8, "a")),  # remote ahead
        (HLC(200, 3, "a"), HLC(100, 7, "b"), 150, HLC(200, 4, "a")),  # local ahead
        (HLC(200, 3, "a"), HLC(200, 7, "b"), 150, HLC(200, 8, "a")),  # same wall: max + 1
        (HLC(200, 9, "a"), HLC(200, 7, "b"), 200, HLC(200, 10, "a")),
    ],
)
def test_receive_orders_after_both_clocks(local, remote, now_ms, expected):
    received = local.receive(remote, now_ms)
    assert received == expected
    assert received > local
    assert (received.wall_ms, received.counter) > (remote.wall_ms, remote.counter)


clocks = st.builds(
    HLC,
    st.integers(0, 10**14),
    st.integers(0, MAX_COUNTER),
    st.sampled_from(["a", "b", "phone-1", "phone-10", "z:1"]),
)


@given(clocks, clocks)
def test_text_form_sorts_like_the_clock(first, second):
    assert (first.format() < second.format()) == (first < second)
    assert parse(first.format()) == first


@given(clocks, clocks, st.integers(0, 10**14))
def test_receive_is_past_both_clocks_for_any_readings(local, remote, now_ms):
    received = local.receive(remote, now_ms)
    assert received > local
    assert (received.wall_ms, received.counter) > (remote.wall_ms, remote.counter)
    assert received.wall_ms >= now_ms


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1750000000000:0:a",  # not fixed width
        "001750000000000:000000:",  # no node
        "001750000000000:000000:has space",
        "00175000000000x:000000:a",
        "００1750000000000:000000:a",  # full-width digits
        None,
        17,
    ],
)
def test_parse_rejects_what_is_not_a_clock(text):
    with pytest.raises(ValueError):
        parse(text)


@pytest.mark.parametrize(
    ("remote", "expected", "clamped"),
    [
        (HLC(1_000, 3, "a"), HLC(1_000, 3, "a"), False),  # behind the server: untouched
        (HLC(1_500, 3, "a"), HLC(1_500, 3, "a"), False),  # exactly at the bound
        (HLC(1_501, 3, "a"), HLC(1_500, 3, "a"), True),
        (HLC(9_999_999, 0, "b"), HLC(1_500, 0, "b"), True),  # a phone a year ahead
    ],
)
def test_clamp_pulls_a_clock_running_ahead_back_to_the_bound(remote, expected, clamped):
    assert clamp(remote, now_ms=1_000, max_drift_ms=500) == (expected, clamped)


def test_a_text_too_long_to_be_a_clock_is_refused_without_being_kept():
    from sync.hlc import _parse_text

    longest = f"{'0' * 15}:{'0' * 6}:{'n' * 128}"
    assert parse(longest).node == "n" * 128
    kept = _parse_text.cache_info().currsize
    with pytest.raises(ValueError):
        parse(longest + "n" * 1_000_000)
    assert _parse_text.cache_info().currsize == kept
