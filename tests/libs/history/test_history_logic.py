"""Flakiness formulas, the trend and cursors: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verdict.errors import ValidationFailed
from verdict.history import cursor
from verdict.history.flakiness import count_flips, flakiness, is_flaky
from verdict.history.trend import failure_rate, recent_trend


def test_flip_rate_examples():
    assert count_flips(6, [0, 2, 4]) == 5
    assert flakiness(6, [0, 2, 4], 0).flip_rate == 1.0
    assert flakiness(6, [0, 1, 2, 3, 4, 5], 0).flip_rate == 0.0
    assert flakiness(5, [0], 0).flips == 1
    assert flakiness(1, [0], 0).flip_rate == 0.0  # one build: no boundary to flip on
    assert flakiness(0, [], 0).flip_rate == 0.0


def test_pass_on_retry():
    f = flakiness(10, [0], 3)
    assert f.pass_on_retry_rate == 0.75 and f.retry_passes == 3 and f.flaky
    assert flakiness(10, [], 0).pass_on_retry_rate == 0.0


def test_flaky_thresholds():
    assert not is_flaky(4, 1.0, 0, 0.0)  # too few builds to call a flip-flop
    assert is_flaky(5, 0.3, 0, 0.0)
    assert not is_flaky(20, 0.29, 0, 0.0)
    assert is_flaky(20, 0.0, 1, 0.1)


@given(st.integers(0, 40), st.sets(st.integers(0, 39)))
def test_flips_count_run_edges(builds, failed):
    # The SQL ranks tests by counting the inner edges of runs of failed builds; the
    # two counts agree for every window.
    inside = {p for p in failed if p < builds}
    edges = sum(1 for p in inside if p > 0 and p - 1 not in inside) + sum(
        1 for p in inside if p < builds - 1 and p + 1 not in inside
    )
    assert count_flips(builds, failed) == edges


def test_trend_and_rate():
    assert recent_trend(1, 3) == "improving"
    assert recent_trend(3, 1) == "worsening"
    assert recent_trend(2, 2) == "stable"
    assert failure_rate(1, 3) == 0.3333
    assert failure_rate(1, 0) == 0.0


def test_cursor_roundtrip_and_rejects_garbage():
    key = cursor.Key(datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC), 42)
    assert cursor.decode(cursor.encode(key)) == key
    uuid_key = cursor.Key(key.at, "0b0c4f0e-1111-2222-3333-444455556666")
    assert cursor.decode(cursor.encode(uuid_key)) == uuid_key
    for junk in ("", "!!!", "W10", cursor.encode(key)[:-3], "WyIyMDI2IiwgdHJ1ZV0"):
        with pytest.raises(ValidationFailed):
            cursor.decode(junk)


def test_page_forward_and_backward():
    rows = [{"at": datetime(2026, 1, 1, tzinfo=UTC), "id": i} for i in range(5)]

    def key(r):
        return cursor.Key(r["at"], r["id"])

    first, info = cursor.page(rows[:3], cursor.PageRequest(limit=2), key)
    assert [r["id"] for r in first] == [0, 1]
    assert info["has_more"] and info["next_cursor"] and info["prev_cursor"] is None
    # Backwards: the query fetched against the list's order; the page comes back in order.
    before = cursor.PageRequest(limit=2, before=key(rows[4]))
    back, info = cursor.page([rows[3], rows[2], rows[1]], before, key)
    assert [r["id"] for r in back] == [2, 3]
    assert info["prev_cursor"] and info["next_cursor"]
