"""`frontdesk replay`: a real office day from the Warsaw queue data, through the core.

1. Read one office and day from the open-data snapshots (shared/data/warsaw-queues/).
2. Reconstruct, per queue group, the tickets issued, the calls and the desks open
   (frontdesk.replay.reconstruct; its docstring says how each caveat of the data is treated:
   counter resets and jumps start a new segment, stale and foreign numbers are ignored, groups
   without a letter or without numbers are skipped and counted, a blank status decides nothing,
   czasObslugi is only the office's published figure to compare with).
3. Configure an office from the data (one service per group, its desks), write the calls of
   the office's earlier days in the data to the event log (the estimator's prior), and drive
   the core on a virtual clock (frontdesk.replay.simulate).
4. Write one CSV row per ticket, and return a summary: how far our estimate at issue was from
   the wait that really followed, next to the office's own published figure.

Our letters: the core needs a unique A-Z letter per service, but offices reuse letters across
groups, so a group whose letter is taken gets the first free one (the CSV keeps the original
in `original_letter`); at most 26 groups are replayed, the busiest, and the summary says so.
"""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from frontdesk.replay.reconstruct import (
    BURST,
    ZONE,
    Reconstruction,
    ReplayDataError,
    groups_from_rows,
    read_days,
    reconstruct,
)
from frontdesk.replay.simulate import (
    MAX_GROUPS,
    Outcome,
    Plan,
    TicketRecord,
    make_plans,
    replay_plans,
    select_groups,
)

__all__ = [
    "Accuracy",
    "ReplayDataError",
    "ReplayResult",
    "replay_day",
    "run_replay",
    "write_tickets",
]

CSV_COLUMNS = (
    "service",
    "number",
    "issued_at",
    "called_at",
    "estimated_wait_min",
    "estimated_low_min",
    "estimated_high_min",
    "actual_wait_min",
    "office_estimate_min",
    "people_ahead",
    "original_letter",
    "original_number",
    "group_id",
    "service_code",
    "desk",
)


@dataclass(frozen=True)
class Accuracy:
    """Absolute errors (minutes) of an estimate against the actual waits."""

    count: int
    mae: float | None
    median: float | None
    bias: float | None  # mean of actual - estimate: positive means we promised too little
    within_5: float | None
    within_10: float | None

    @classmethod
    def of(cls, pairs: Sequence[tuple[float, float]]) -> Accuracy:
        """`pairs` of (estimate, actual)."""
        if not pairs:
            return cls(0, None, None, None, None, None)
        errors = [abs(actual - estimate) for estimate, actual in pairs]
        n = len(pairs)
        return cls(
            count=n,
            mae=statistics.fmean(errors),
            median=statistics.median(errors),
            bias=statistics.fmean(actual - estimate for estimate, actual in pairs),
            within_5=sum(e <= 5 for e in errors) / n,
            within_10=sum(e <= 10 for e in errors) / n,
        )


@dataclass
class ReplayResult:
    office: str
    day: date
    reconstructions: list[Reconstruction]
    plans: list[Plan]
    outcome: Outcome
    read_seconds: float = 0.0
    replay_seconds: float = 0.0
    out: Path | None = None
    ours: Accuracy = field(init=False)
    office_figure: Accuracy = field(init=False)

    def __post_init__(self) -> None:
        called = self.called
        self.ours = Accuracy.of(
            [
                (t.estimated_wait_min, t.actual_wait_min)
                for t in called
                if t.estimated_wait_min is not None
            ]
        )
        self.office_figure = Accuracy.of(
            [
                (t.office_estimate_min, t.actual_wait_min)
                for t in called
                if t.office_estimate_min is not None
            ]
        )

    @property
    def tickets(self) -> list[TicketRecord]:
        return self.outcome.tickets

    @property
    def called(self) -> list[TicketRecord]:
        return [t for t in self.outcome.tickets if t.called_at is not None]

    @property
    def skipped(self) -> list[Reconstruction]:
        return [r for r in self.reconstructions if r.skip_reason is not None]


def replay_day(
    data: Path,
    office: str,
    day: date,
    out: Path | None = None,
    days: dict[tuple[str, date], list[dict[str, str]]] | None = None,
) -> ReplayResult:
    """Read, reconstruct, replay; write the tickets CSV when `out` is given. `days`: the rows
    already read (read_days), so that many replays read the file once."""
    started = time.perf_counter()
    if days is None:
        days = read_days(Path(data), office, until=day)
    rows = days.get((office, day))
    if not rows:
        known = ", ".join(d.isoformat() for o, d in days if o == office)
        raise ReplayDataError(f"{office} has no rows on {day.isoformat()} (days: {known})")
    read_seconds = time.perf_counter() - started
    reconstructions = [reconstruct(g) for g in groups_from_rows(rows)]
    plans = make_plans(select_groups(reconstructions))
    # Only days before this one: what the office's own event log would hold that morning.
    past = [
        [reconstruct(g) for g in groups_from_rows(rows)]
        for (o, d), rows in sorted(days.items())
        if o == office and d < day
    ]
    outcome = replay_plans(office, plans, past)
    result = ReplayResult(
        office=office,
        day=day,
        reconstructions=reconstructions,
        plans=plans,
        outcome=outcome,
        read_seconds=read_seconds,
        replay_seconds=time.perf_counter() - started,
        out=out,
    )
    if out is not None:
        write_tickets(out, result)
    return result


def run_replay(data: Path, office: str, day: date, out: Path) -> str:
    """The `frontdesk replay` command: replay, write `out`, return the summary to print.
    Raises ReplayDataError when the data holds no such office or day."""
    return summary(replay_day(data, office, day, out))


def _minutes(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def write_tickets(path: Path, result: ReplayResult) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for t in sorted(result.tickets, key=lambda t: (t.issued_at, t.number)):
            writer.writerow(
                (
                    t.plan.rec.group.name,
                    t.number,
                    t.issued_at.astimezone(ZONE).isoformat(timespec="seconds"),
                    t.called_at.astimezone(ZONE).isoformat(timespec="seconds")
                    if t.called_at
                    else "",
                    "" if t.estimated_wait_min is None else t.estimated_wait_min,
                    *(t.estimated_range or ("", "")),
                    _minutes(t.actual_wait_min),
                    "" if t.office_estimate_min is None else t.office_estimate_min,
                    "" if t.people_ahead is None else t.people_ahead,
                    t.plan.original_letter,
                    t.original_number or "",
                    t.plan.rec.group.id,
                    t.plan.code,
                    "" if t.desk is None else t.desk,
                )
            )


def _figure(value: float | None, fmt: str = "{:.1f}") -> str:
    return "n/a" if value is None else fmt.format(value)


def _ids(recs: list[Reconstruction]) -> str:
    shown = ", ".join(r.group.id for r in recs[:12])
    return shown + (f", ... ({len(recs)} in all)" if len(recs) > 12 else "")


def _worst_groups(called: list[TicketRecord], shown: int = 3) -> str:
    by_plan: dict[str, list[TicketRecord]] = {}
    for ticket in called:
        by_plan.setdefault(ticket.plan.code, []).append(ticket)
    scored = []
    for tickets in by_plan.values():
        plan = tickets[0].plan
        accuracy = Accuracy.of(
            [
                (t.estimated_wait_min, t.actual_wait_min)
                for t in tickets
                if t.estimated_wait_min is not None
            ]
        )
        if accuracy.count:
            scored.append((accuracy.mae, plan, accuracy.count))
    scored.sort(key=lambda s: (-s[0], s[1].code))
    return "; ".join(
        f"{plan.rec.group.id} {plan.rec.group.name} MAE {mae:.1f} ({count} called, up to "
        f"{plan.rec.max_desks} desks)"
        for mae, plan, count in scored[:shown]
    )


def summary(result: ReplayResult) -> str:
    recs = result.reconstructions
    lines = [f"Replay of {result.office} on {result.day.isoformat()} ({result.day:%A})"]
    reasons: dict[str, list[Reconstruction]] = {}
    for rec in result.skipped:
        reasons.setdefault(rec.skip_reason, []).append(rec)
    skipped = "; ".join(f"{len(v)} {k}: {_ids(v)}" for k, v in reasons.items())
    lines.append(
        f"groups: {len(result.plans)} replayed, {len(result.skipped)} skipped"
        + (f" ({skipped})" if skipped else "")
    )
    if any(r.skip_reason and r.skip_reason.startswith("beyond") for r in recs):
        lines.append(f"  only the {MAX_GROUPS} busiest groups fit the letters A-Z")
    moved = [p for p in result.plans if p.letter != p.original_letter.upper()]
    if moved:
        lines.append(
            "letters: shared in the data, so given a free one here: "
            + ", ".join(f"{p.rec.group.id} {p.original_letter}->{p.letter}" for p in moved)
        )
    replayed = [p.rec for p in result.plans]
    resets = sum(max(r.segments - 1, 0) for r in replayed)
    lines.append(
        f"reconstruction: {sum(len(r.arrivals) for r in replayed)} arrivals, "
        f"{sum(len(r.calls) for r in replayed)} calls; {resets} counter resets or jumps "
        f"(new segments), {sum(r.stale_numbers for r in replayed)} stale or backward numbers "
        f"and {sum(r.foreign_numbers for r in replayed)} numbers of other letters ignored"
    )
    gaps = [
        (b.at - a.at).total_seconds() / 60
        for r in replayed
        for a, b in zip(r.group.snapshots, r.group.snapshots[1:], strict=False)
    ]
    if gaps:
        lines.append(
            f"  snapshots every {statistics.median(gaps):.0f} min (median; longest gap "
            f"{max(gaps):.0f} min): a call is placed at the first snapshot that shows it, so "
            f"actual waits run late by up to that; {sum(r.burst_calls for r in replayed)} "
            f"calls came {BURST} or more at one snapshot (some from a display that stood still)"
        )
    if not result.plans:
        lines.append("nothing to replay: no group shows ticket numbers on this day (a holiday?)")
    tickets, called = result.tickets, result.called
    line = (
        f"tickets: {len(tickets)} issued, {len(called)} called, "
        f"{len(tickets) - len(called)} never called"
    )
    if result.outcome.refused:
        line += f", {result.outcome.refused} refused by the daily cap"
    if result.outcome.empty_calls:
        line += f", {result.outcome.empty_calls} calls found nobody waiting"
    lines.append(line)
    ours, theirs = result.ours, result.office_figure
    lines.append(
        f"accuracy over the {len(called)} called tickets (minutes; actual wait = called - issued):"
    )
    lines.append(
        f"  our estimate at issue:            MAE {_figure(ours.mae)}, median abs error "
        f"{_figure(ours.median)}, bias (actual - estimate) {_figure(ours.bias, '{:+.1f}')}"
    )
    lines.append(
        f"  office's czasObslugi ({theirs.count} with it): MAE {_figure(theirs.mae)}, "
        f"median abs error {_figure(theirs.median)}, bias {_figure(theirs.bias, '{:+.1f}')}"
    )
    lines.append(
        f"  actual wait within ±5 min of our estimate: {_figure(ours.within_5, '{:.0%}')}, "
        f"within ±10 min: {_figure(ours.within_10, '{:.0%}')} "
        f"(office's figure: {_figure(theirs.within_5, '{:.0%}')}, "
        f"{_figure(theirs.within_10, '{:.0%}')})"
    )
    if called:
        waits = [t.actual_wait_min for t in called]
        lines.append(
            f"  actual waits: mean {statistics.fmean(waits):.1f}, median "
            f"{statistics.median(waits):.1f}, max {max(waits):.1f}"
        )
        lines.append("  largest errors by group: " + _worst_groups(called))
    lines.append(
        f"replayed in {result.replay_seconds:.1f} s (reading the data {result.read_seconds:.1f} s)"
        + (f"; tickets written to {result.out}" if result.out else "")
    )
    return "\n".join(lines)
