"""Wait estimates: how long until a waiting visitor is called, as a figure and a range.

Learned from what the queue does today, with a prior from the office itself:

- Pace. The minutes between consecutive calls of a service, averaged over its last
  `RECENT_CALLS` calls, counting only the gaps during which someone was waiting (the called
  ticket was issued before the previous call). A gap with nobody waiting measures the arrivals,
  not the desks: counting it would make a quiet morning look slow and the queue after it long.
  The mean, not the median: a visitor who takes an hour really does hold the queue up, and a run
  of no-shows called through in a minute really does move it; neither dominates twenty gaps.
- Desks. A desk that is open but has called nobody for a long while, holding no one, while
  people wait, is on a break and does not count. When fewer desks work now than made the recent
  calls, the pace slows in proportion; when more open, the pace catches up within a few calls
  (an opening desk is not assumed to work at the others' speed before it shows it).
- Prior. Before the day has calls, and blended with the first few, the pace is a desk's minutes
  per visitor shared among the desks working now. That figure comes from this office's past
  days (the calls in the event log, per desk and service), and from the service's configured
  `expected_minutes` where there is no history yet; never from the figure another queue system
  publishes.
- Figure. `CENTRAL` × (people ahead + 1) × pace: the visitor is called at the (ahead + 1)-th
  call from now. `CENTRAL` < 1 because waits are skewed: most are somewhat shorter than the pace
  says (long queues are called through faster, people give up), a few much longer; the figure
  aims at the typical wait, which is what the absolute error rewards.
- Range. The figure times per-band factors (`RANGE`), so that `COVERAGE` of visitors are called
  within the range shown to them; the factors narrow as the queue grows, as a sum of many gaps
  varies less than one.

The range factors were fitted on the odd dates of the Warsaw office days in the shared data and
checked on the even ones; the other constants were chosen on both halves apart, which agreed.
bench/README.md has the figures. Everything here is plain arithmetic on
a few numbers per service, so a change costs the same with 5 or 500 people waiting.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

RECENT_CALLS = 20
# The prior counts as this many observed gaps: it steers the first calls of the day and fades.
PRIOR_WEIGHT = 3
CENTRAL = 0.75
COVERAGE = 0.8
# (most people ahead, low factor, high factor): the 10th percentile of wait / figure, and the
# 90th of (wait - SLACK_MINUTES) / figure, on the odd dates of the Warsaw replay. Low factors
# pooled where a longer queue would otherwise get a lower low end (21+: 0.55 and 0.42).
RANGE: tuple[tuple[int, float, float], ...] = (
    (0, 0.32, 2.62),
    (5, 0.31, 2.55),
    (10, 0.45, 2.46),
    (20, 0.47, 2.02),
    (40, 0.52, 1.83),
    (10**9, 0.52, 1.7),
)
# Added to the high end: calls are seen to the minute, and a wait of 0 still takes a moment.
SLACK_MINUTES = 2.0
# An open desk holding nobody is on a break after this many of its usual gaps without a call.
BREAK_GAPS = 2.0
BREAK_MIN_MINUTES = 10.0
# A gap longer than this between two calls of one desk on a past day is a break, not a visit.
HISTORY_MAX_GAP = 90.0


@dataclass(frozen=True)
class RecentCall:
    issued_at: datetime
    called_at: datetime
    desk: int | None


@dataclass(frozen=True)
class DeskNow:
    number: int
    holding: bool  # has a visitor called or being served
    last_call: datetime | None  # its latest call today, or when it opened


@dataclass(frozen=True)
class Pace:
    """A service's pace now: what every waiting ticket's estimate is computed from."""

    minutes_per_call: float  # between consecutive calls of the service, all its desks together
    desks: int  # desks working now (open, not on a break); at least 1
    free_desk: bool  # a working desk holds nobody: a visitor with nobody ahead goes at once
    calls_seen: int  # busy gaps behind the pace (0: the prior alone)

    def figure(self, people_ahead: int, by_desk: bool = False) -> float:
        """Central minutes for a ticket with `people_ahead` in its lane; `by_desk` for a ticket
        sent to one desk by name, whose lane moves at one desk's pace."""
        if people_ahead <= 0 and self.free_desk:
            return 0.0
        per_call = self.minutes_per_call * (self.desks if by_desk else 1)
        return CENTRAL * (max(people_ahead, 0) + 1) * per_call

    def eta(self, people_ahead: int, by_desk: bool = False) -> int:
        return round(self.figure(people_ahead, by_desk))

    def eta_range(self, people_ahead: int, by_desk: bool = False) -> list[int]:
        figure = self.figure(people_ahead, by_desk)
        if figure == 0:
            return [0, 0]
        low, high = range_factors(people_ahead)
        return [math.floor(figure * low), math.ceil(figure * high + SLACK_MINUTES)]


def range_factors(people_ahead: int) -> tuple[float, float]:
    for most, low, high in RANGE:
        if people_ahead <= most:
            return low, high
    return RANGE[-1][1:]


def busy_gaps(calls: Sequence[RecentCall]) -> list[float]:
    """Minutes between consecutive calls (in call order) while the called visitor was waiting."""
    ordered = sorted(calls, key=lambda c: c.called_at)
    return [
        (later.called_at - earlier.called_at).total_seconds() / 60
        for earlier, later in zip(ordered, ordered[1:], strict=False)
        if later.issued_at <= earlier.called_at
    ]


def working_desks(
    desks: Iterable[DeskNow], now: datetime, desk_minutes: float, waiting: int
) -> list[DeskNow]:
    """The open desks that work: those on a break (idle long past their usual gap while people
    wait) left out."""
    patience = max(BREAK_GAPS * desk_minutes, BREAK_MIN_MINUTES)
    return [
        d
        for d in desks
        if d.holding
        or waiting == 0
        or d.last_call is None
        or (now - d.last_call).total_seconds() / 60 <= patience
    ]


def pace(
    recent: Sequence[RecentCall],
    open_desks: Sequence[DeskNow],
    desk_minutes_prior: float,
    now: datetime,
    waiting: int,
    desks_if_none_open: int = 1,
) -> Pace:
    """A service's pace from its recent calls today (any order), the open desks that serve it,
    and the prior minutes per visitor at one desk."""
    calls = sorted(recent, key=lambda c: c.called_at)[-(RECENT_CALLS + 1) :]
    gaps = busy_gaps(calls)
    working = working_desks(open_desks, now, desk_minutes_prior, waiting)
    # Before the first clerk signs in, count the desks that will serve: "no desk" would be
    # either an infinite estimate or a guess.
    desks = len(working) or (0 if open_desks else desks_if_none_open)
    desks = max(desks, 1)
    per_call = (sum(gaps) + PRIOR_WEIGHT * desk_minutes_prior / desks) / (len(gaps) + PRIOR_WEIGHT)
    recent_desks = {c.desk for c in calls[-desks * 2 :] if c.desk is not None}
    if gaps and working and len(working) < len(recent_desks):
        per_call *= len(recent_desks) / len(working)
    free = any(not d.holding for d in working) or not open_desks
    return Pace(per_call, desks, free, len(gaps))


@dataclass(frozen=True)
class Prior:
    desk_minutes: float  # one desk's minutes per visitor
    desks: int | None  # desks that usually serve (None: no history)


def prior_from_history(
    calls_by_day: Iterable[Iterable[tuple[int | None, datetime]]], expected_minutes: float
) -> Prior:
    """A service's prior from its calls on past days (desk, time).

    Each day gives the mean gap between consecutive calls of one desk (gaps over
    `HISTORY_MAX_GAP` are breaks) and the number of desks that called; the median over days
    resists an odd day. The configured figure counts as one more day, and stands alone without
    history."""
    daily, desks = [], []
    for day in calls_by_day:
        by_desk: dict[int | None, list[datetime]] = {}
        for desk, at in day:
            by_desk.setdefault(desk, []).append(at)
        gaps = [
            (b - a).total_seconds() / 60
            for times in by_desk.values()
            for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
        ]
        gaps = [g for g in gaps if g <= HISTORY_MAX_GAP]
        if gaps:
            daily.append(statistics.fmean(gaps))
        if by_desk:
            desks.append(len(by_desk))
    return Prior(
        float(statistics.median([*daily, expected_minutes])),
        round(statistics.median(desks)) if desks else None,
    )
