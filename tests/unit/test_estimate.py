"""The wait estimator (frontdesk.queue.estimate): pace from today's calls, desks, prior, range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.queue import estimate
from frontdesk.queue.estimate import DeskNow, RecentCall

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def calls(*moments: float, issued: float = -1, desk: int = 1) -> list[RecentCall]:
    return [RecentCall(at(issued), at(m), desk) for m in moments]


def busy(number: int) -> DeskNow:
    return DeskNow(number, holding=True, last_call=None)


def test_a_gap_with_nobody_waiting_is_not_the_desks_pace():
    # The third visitor came at minute 30, long after the second call: the desk was idle.
    recent = [*calls(0, 5, issued=-1), RecentCall(at(30), at(31), 1)]
    assert estimate.busy_gaps(recent) == [5.0]


def test_pace_blends_todays_gaps_with_the_prior_and_follows_the_gaps():
    recent = calls(*range(0, 42, 2))  # 20 gaps of 2 minutes
    pace = estimate.pace(recent, [busy(1)], 10.0, at(42), waiting=5)
    assert pace.minutes_per_call == pytest.approx((20 * 2 + 3 * 10) / 23)
    assert pace.calls_seen == 20
    # No calls yet: the prior's minutes per visitor shared among the desks working now.
    alone = estimate.pace([], [busy(1), busy(2)], 10.0, T0, waiting=5)
    assert alone.minutes_per_call == pytest.approx(5.0)


def test_one_long_visit_or_a_run_of_no_shows_moves_the_pace_only_so_far():
    steady = calls(*range(0, 100, 5))
    long_visit = calls(*range(0, 45, 5), 105, *range(110, 160, 5))
    no_shows = calls(*range(0, 50, 5), 50.2, 50.4, 50.6, 50.8, *range(55, 90, 5))
    base = estimate.pace(steady, [busy(1)], 5.0, at(100), 5).minutes_per_call
    for recent in (long_visit, no_shows):
        moved = estimate.pace(recent, [busy(1)], 5.0, at(200), 5).minutes_per_call
        assert 0.5 * base < moved < 2 * base


def test_an_idle_open_desk_is_on_a_break_only_while_people_wait():
    idle = DeskNow(2, holding=False, last_call=at(0))
    assert estimate.working_desks([busy(1), idle], at(30), 5.0, waiting=3) == [busy(1)]
    assert estimate.working_desks([busy(1), idle], at(30), 5.0, waiting=0) == [busy(1), idle]
    assert estimate.working_desks([busy(1), idle], at(5), 5.0, waiting=3) == [busy(1), idle]


def test_fewer_desks_working_than_made_the_last_calls_slows_the_pace():
    recent = [RecentCall(at(-1), at(2 * i), 1 + i % 2) for i in range(20)]
    both = estimate.pace(recent, [busy(1), busy(2)], 4.0, at(40), 5).minutes_per_call
    one = estimate.pace(recent, [busy(1)], 4.0, at(40), 5).minutes_per_call
    assert one == pytest.approx(2 * both, rel=0.2)


def test_nobody_ahead_and_a_free_desk_is_called_at_once():
    free = DeskNow(1, holding=False, last_call=at(0))
    pace = estimate.pace([], [free], 6.0, at(1), waiting=0)
    assert pace.eta(0) == 0 and pace.eta_range(0) == [0, 0]
    assert estimate.pace([], [busy(1)], 6.0, at(1), waiting=0).eta(0) > 0


def test_a_ticket_sent_to_one_desk_moves_at_one_desks_pace():
    pace = estimate.pace([], [busy(1), busy(2), busy(3)], 6.0, T0, waiting=9)
    assert pace.figure(4, by_desk=True) == pytest.approx(3 * pace.figure(4))


@given(
    st.integers(0, 500),
    st.floats(0.2, 60),
    st.integers(1, 30),
)
def test_the_range_holds_the_figure_and_both_grow_with_the_queue(ahead, per_call, desks):
    pace = estimate.Pace(per_call, desks, free_desk=False, calls_seen=5)
    low, high = pace.eta_range(ahead)
    assert 0 <= low <= pace.eta(ahead) <= high
    assert pace.eta(ahead + 1) >= pace.eta(ahead)
    assert pace.eta_range(ahead + 1)[0] >= low


def test_prior_from_history_takes_the_median_day_and_the_configured_figure_alone():
    def day(gap: float, desks: int = 2) -> list[tuple[int, datetime]]:
        return [(d, at(i * gap)) for d in range(1, desks + 1) for i in range(10)]

    assert estimate.prior_from_history([], 7.0) == estimate.Prior(7.0, None)
    prior = estimate.prior_from_history([day(4), day(5), day(6), day(200)], 7.0)
    # Each day's mean gap at a desk (the 200-minute day's gaps are breaks, so it has none),
    # and the configured 7 as one more day: the median of 4, 5, 6, 7.
    assert prior.desk_minutes == pytest.approx(5.5)
    assert prior.desks == 2
