"""The pure queue rules (frontdesk.queue.rules): transitions, numbers, office days, fair order
and wait estimates. No database, no clock: every case is a plain value in, value out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.queue import rules
from frontdesk.queue.errors import InvalidTransition
from frontdesk.queue.model import Ticket, TicketStatus

S = TicketStatus
WARSAW = ZoneInfo("Europe/Warsaw")
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

# The ticket's life as the spec tells it, written out independently of the code's table.
EXPECTED_TRANSITIONS = {
    (S.WAITING, S.CALLED),
    (S.WAITING, S.CANCELLED),
    (S.CALLED, S.SERVING),
    (S.CALLED, S.DONE),
    (S.CALLED, S.NO_SHOW),
    (S.CALLED, S.WAITING),
    (S.SERVING, S.DONE),
    (S.SERVING, S.WAITING),
    (S.NO_SHOW, S.WAITING),
}
ALL_PAIRS = [(a, b) for a in S for b in S]


def ticket(
    seq: int,
    *,
    service: str = "ids",
    letter: str = "A",
    issued: timedelta = timedelta(0),
    boost: int = 0,
    status: TicketStatus = S.WAITING,
    target_desk: int | None = None,
) -> Ticket:
    issued_at = T0 + issued
    return Ticket(
        office_day=date(2026, 3, 2),
        seq=seq,
        number=rules.format_number(letter, seq),
        service=service,
        issued_service=service,
        language="pl",
        issued_at=issued_at,
        effective_at=rules.effective_at(issued_at, boost),
        status=status,
        target_desk=target_desk,
    )


# Transitions


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=lambda s: s.value)
def test_transition_is_allowed_exactly_when_the_life_cycle_says_so(current, target):
    if (current, target) in EXPECTED_TRANSITIONS:
        rules.check_transition(current, target)
    else:
        with pytest.raises(InvalidTransition) as refused:
            rules.check_transition(current, target)
        assert refused.value.params == {"status": current.value, "target": target.value}
        assert refused.value.code == "invalid_transition"


def test_transition_table_covers_every_status():
    assert set(rules.ALLOWED_TRANSITIONS) == set(S)


@pytest.mark.parametrize("final", [S.DONE, S.CANCELLED])
def test_done_and_cancelled_are_final(final):
    assert rules.ALLOWED_TRANSITIONS[final] == frozenset()


def test_a_called_ticket_cannot_be_called_again():
    # A recall is not a transition; calling a held ticket anew would take it from its desk.
    with pytest.raises(InvalidTransition):
        rules.check_transition(S.CALLED, S.CALLED)


def test_a_waiting_ticket_cannot_be_finished_or_served_without_being_called():
    for target in (S.SERVING, S.DONE, S.NO_SHOW):
        with pytest.raises(InvalidTransition):
            rules.check_transition(S.WAITING, target)


# Numbers


@pytest.mark.parametrize(
    ("letter", "seq", "number"),
    [("A", 1, "A001"), ("A", 9, "A009"), ("B", 10, "B010"), ("K", 99, "K099"), ("Z", 999, "Z999")],
)
def test_format_number_pads_to_three_digits(letter, seq, number):
    assert rules.format_number(letter, seq) == number


@given(st.sampled_from("ABCKZ"), st.integers(min_value=1, max_value=999))
def test_format_number_is_letter_then_the_sequence(letter, seq):
    number = rules.format_number(letter, seq)
    assert len(number) == 4
    assert number[0] == letter
    assert int(number[1:]) == seq


# Office day


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        # Winter (UTC+1): 23:30 UTC on 2 March is 00:30 on 3 March in Warsaw.
        (datetime(2026, 3, 2, 22, 59, tzinfo=UTC), date(2026, 3, 2)),
        (datetime(2026, 3, 2, 23, 0, tzinfo=UTC), date(2026, 3, 3)),
        (datetime(2026, 3, 2, 23, 30, tzinfo=UTC), date(2026, 3, 3)),
        # Spring forward on Sunday 29 March 2026: the evening before is still UTC+1 ...
        (datetime(2026, 3, 28, 22, 59, tzinfo=UTC), date(2026, 3, 28)),
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), date(2026, 3, 29)),
        # ... and that Sunday evening is already UTC+2.
        (datetime(2026, 3, 29, 21, 59, tzinfo=UTC), date(2026, 3, 29)),
        (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), date(2026, 3, 30)),
        (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), date(2026, 3, 30)),
        # Fall back on Sunday 25 October 2026: the evening before is UTC+2 ...
        (datetime(2026, 10, 24, 21, 59, tzinfo=UTC), date(2026, 10, 24)),
        (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), date(2026, 10, 25)),
        # ... that Sunday evening is UTC+1 again.
        (datetime(2026, 10, 25, 22, 30, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), date(2026, 10, 26)),
        # Summer (UTC+2).
        (datetime(2026, 7, 1, 21, 59, tzinfo=UTC), date(2026, 7, 1)),
        (datetime(2026, 7, 1, 22, 0, tzinfo=UTC), date(2026, 7, 2)),
    ],
    ids=lambda v: v.isoformat(),
)
def test_office_day_follows_the_office_time_zone_across_dst(utc, day):
    assert rules.office_day(utc, WARSAW) == day


def test_office_day_does_not_depend_on_the_zone_the_moment_is_written_in():
    moment = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    elsewhere = moment.astimezone(ZoneInfo("America/New_York"))  # 18:30 on 2 March there
    assert elsewhere.date() == date(2026, 3, 2)
    assert rules.office_day(elsewhere, WARSAW) == date(2026, 3, 3)


def test_office_day_in_another_zone():
    moment = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert rules.office_day(moment, ZoneInfo("UTC")) == date(2026, 3, 2)
    assert rules.office_day(moment, ZoneInfo("America/New_York")) == date(2026, 3, 2)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_office_day_is_the_local_calendar_date(naive_utc):
    moment = naive_utc.replace(tzinfo=UTC)
    local = moment.astimezone(WARSAW)
    assert rules.office_day(moment, WARSAW) == local.date()
    # Warsaw is one or two hours ahead of UTC: the office day is the UTC date or the next.
    assert rules.office_day(moment, WARSAW) - moment.date() in (timedelta(0), timedelta(days=1))


def test_local_time_keeps_the_moment():
    moment = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    local = rules.local_time(moment, WARSAW)
    assert local == moment
    assert local.hour == 8


# Fair order


def test_effective_time_is_the_issue_time_minus_the_boost():
    assert rules.effective_at(T0, 0) == T0
    assert rules.effective_at(T0, 30) == T0 - timedelta(minutes=30)


def test_order_key_is_effective_time_then_number():
    early = ticket(5, issued=timedelta(minutes=1))
    late_but_boosted = ticket(6, issued=timedelta(minutes=5), boost=10)
    same_time_lower_number = ticket(2, issued=timedelta(minutes=1))
    ordered = sorted([early, late_but_boosted, same_time_lower_number], key=rules.order_key)
    assert [t.seq for t in ordered] == [6, 2, 5]


def test_pick_next_takes_the_earliest_effective_time_among_the_desk_services():
    a = ticket(1, issued=timedelta(minutes=2))
    b = ticket(1, service="cars", letter="B", issued=timedelta(minutes=1))
    assert rules.pick_next([a, b], 1, ["ids", "cars"], "longest_waiting") is b
    assert rules.pick_next([a, b], 2, ["ids"], "longest_waiting") is a


def test_pick_next_breaks_ties_by_number():
    later_number = ticket(7)
    earlier_number = ticket(3)
    assert rules.pick_next([later_number, earlier_number], 1, ["ids"], "longest_waiting") is (
        earlier_number
    )


def test_priority_wins_only_within_its_boost():
    normal = ticket(1)
    inside = ticket(2, issued=timedelta(minutes=9), boost=10)
    outside = ticket(3, issued=timedelta(minutes=11), boost=10)
    assert rules.pick_next([normal, inside], 1, ["ids"], "longest_waiting") is inside
    assert rules.pick_next([normal, outside], 1, ["ids"], "longest_waiting") is normal
    # Exactly at the boost the two are level, and the lower number goes first.
    level = ticket(4, issued=timedelta(minutes=10), boost=10)
    assert rules.pick_next([normal, level], 1, ["ids"], "longest_waiting") is normal


def test_listed_order_takes_the_first_listed_service_with_anyone_waiting():
    ids_early = ticket(1, issued=timedelta(minutes=0))
    cars_late = ticket(1, service="cars", letter="B", issued=timedelta(minutes=20))
    waiting = [ids_early, cars_late]
    assert rules.pick_next(waiting, 3, ["cars", "ids"], "listed") is cars_late
    assert rules.pick_next([ids_early], 3, ["cars", "ids"], "listed") is ids_early
    assert rules.pick_next(waiting, 1, ["cars", "ids"], "longest_waiting") is ids_early


def test_only_waiting_tickets_are_candidates():
    for status in S:
        if status is S.WAITING:
            continue
        assert rules.pick_next([ticket(1, status=status)], 1, ["ids"], "longest_waiting") is None
    assert rules.pick_next([], 1, ["ids"], "longest_waiting") is None
    assert rules.pick_next([ticket(1, service="cash")], 1, ["ids"], "longest_waiting") is None


def test_a_ticket_sent_to_a_desk_is_a_candidate_only_there():
    sent = ticket(1, target_desk=2)
    assert rules.is_candidate(sent, 2, ["ids"])
    assert not rules.is_candidate(sent, 1, ["ids", "cars"])
    # The named desk calls it even when it does not serve the ticket's service.
    assert rules.is_candidate(ticket(1, service="cash", target_desk=2), 2, ["ids"])
    assert rules.pick_next([sent], 1, ["ids"], "longest_waiting") is None
    assert rules.pick_next([sent], 2, ["ids"], "longest_waiting") is sent


def test_listed_desk_takes_tickets_sent_to_it_from_unlisted_services_last():
    sent_from_cash = ticket(1, service="cash", letter="K", target_desk=3)
    ids = ticket(2, issued=timedelta(minutes=30))
    assert rules.pick_next([sent_from_cash, ids], 3, ["cars", "ids"], "listed") is ids
    assert rules.pick_next([sent_from_cash], 3, ["cars", "ids"], "listed") is sent_from_cash
