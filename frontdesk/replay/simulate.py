"""A reconstructed office day, driven through the core on a virtual clock.

The office is configured from the data itself (not config.toml): one service per replayed
group, with desks enough for the most the group ever had open, each serving only its group.
Then the day's events run in time order: at each snapshot the group's desks are opened or
closed to the count the data gives (a desk is closed only once its ticket is finished), each
arrival is a ticket from the kiosk (its `eta_minutes` at issue is the estimate we judge), and
each call finishes the ticket of the group's desk that called longest ago and calls the next
ticket there. Using the desk idle longest makes a ticket's time at the desk (called to
finished) the desks' real pace, desks times the gap between calls.

The office's past days are what the estimator's prior learns from: the calls of the earlier
days of the same office in the data (reconstructed the same way, given to desks by the same
rule) are written to the event log before the day starts, as the office's own log would hold
them. Each service's configured `expected_minutes` is a flat `EXPECTED_MINUTES`: the data holds
no service time, and the published `czasObslugi` is not one.
"""

from __future__ import annotations

import re
import string
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from frontdesk.db import Database
from frontdesk.queue import errors
from frontdesk.queue.model import AuditEvent
from frontdesk.replay.reconstruct import ZONE, Arrival, Call, Reconstruction
from frontdesk.services.core import Actor, Core
from frontdesk.services.desks import close_desk, open_desk
from frontdesk.services.tickets import call_next, finish, issue_ticket
from frontdesk.settings import Settings, parse

MAX_GROUPS = len(string.ascii_uppercase)
KIOSK = Actor("replay-kiosk", "kiosk")
DESKS, ARRIVAL, CALL = 0, 1, 2  # the order of events at the same moment
NEVER = datetime.min.replace(tzinfo=UTC)
# What an office that has not measured anything would configure: minutes per visitor at a desk.
EXPECTED_MINUTES = 10.0


@dataclass
class Plan:
    """One replayed group: its reconstruction and its place in our configuration."""

    rec: Reconstruction
    code: str
    letter: str
    desks: list[int]

    @property
    def original_letter(self) -> str:
        return self.rec.group.letter


@dataclass
class TicketRecord:
    plan: Plan
    number: str
    issued_at: datetime
    estimated_wait_min: int | None
    people_ahead: int | None
    office_estimate_min: int | None
    called_at: datetime | None = None
    original_number: str | None = None
    desk: int | None = None
    estimated_range: list[int] | None = None

    @property
    def actual_wait_min(self) -> float | None:
        if self.called_at is None:
            return None
        return (self.called_at - self.issued_at).total_seconds() / 60


@dataclass
class Outcome:
    tickets: list[TicketRecord] = field(default_factory=list)
    refused: int = 0  # issue refused by the core (daily cap)
    empty_calls: int = 0  # a reconstructed call that found nobody waiting


def assign_letters(recs: list[Reconstruction]) -> dict[str, str]:
    """Our letter per group id. A group keeps its own letter when it is a free A-Z letter (the
    first group by id wins a shared one); the others take the first letters no group uses."""
    letters: dict[str, str] = {}
    for rec in recs:
        own = rec.group.letter.upper()
        if len(own) == 1 and own in string.ascii_uppercase and own not in letters.values():
            letters[rec.group.id] = own
    free = iter(c for c in string.ascii_uppercase if c not in letters.values())
    for rec in recs:
        if rec.group.id not in letters:
            letters[rec.group.id] = next(free)
    return letters


def select_groups(recs: list[Reconstruction]) -> list[Reconstruction]:
    """The groups to replay; those beyond the 26 busiest (by arrivals) are marked skipped."""
    usable = [r for r in recs if r.skip_reason is None]
    if len(usable) > MAX_GROUPS:
        busiest = sorted(usable, key=lambda r: (-len(r.arrivals), r.group.id))[:MAX_GROUPS]
        keep = {id(r) for r in busiest}
        for rec in usable:
            if id(rec) not in keep:
                rec.skip_reason = f"beyond the {MAX_GROUPS} busiest"
        usable = [r for r in usable if id(r) in keep]
    return usable


def make_plans(recs: list[Reconstruction]) -> list[Plan]:
    letters = assign_letters(recs)
    plans, next_desk = [], 1
    for rec in recs:
        count = max(rec.max_desks, 1)  # a group whose desks never show still calls somewhere
        desks = list(range(next_desk, next_desk + count))
        plans.append(Plan(rec, _code(rec.group.id), letters[rec.group.id], desks))
        next_desk += count
    return plans


def _code(group_id: str) -> str:
    return "g" + re.sub(r"[^a-z0-9_]", "_", group_id.lower())[:39]


def _names(text: str) -> dict[str, str]:
    return {"pl": text, "uk": text, "en": text}


def build_settings(office: str, plans: list[Plan], database_url: str) -> Settings:
    services, desks = [], []
    for plan in plans:
        name = plan.rec.group.name or f"Group {plan.rec.group.id}"
        services.append(
            {
                "code": plan.code,
                "letter": plan.letter,
                "names": _names(name),
                "expected_minutes": EXPECTED_MINUTES,
                "daily_cap": 999,
            }
        )
        for i, number in enumerate(plan.desks, start=1):
            desks.append(
                {"number": number, "name": f"{plan.code} desk {i}", "services": [plan.code]}
            )
    return parse(
        {
            "office": {"name": office, "timezone": "Europe/Warsaw", "enforce_hours": False},
            "services": services,
            "desks": desks,
            "out_of_order_reasons": [{"id": "replay", "names": _names("replay")}],
            "alert_kinds": [{"id": "replay", "names": _names("replay")}],
            "database_url": database_url,
            "printer": {"backend": "none"},
        }
    )


class VirtualClock:
    """The replay's UTC time; moved forward by the driver, never by the wall clock."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class _Driver:
    def __init__(self, core: Core, plans: list[Plan], clock: VirtualClock):
        self.core, self.plans, self.clock = core, plans, clock
        self.outcome = Outcome()
        self.open: dict[int, set[int]] = {i: set() for i in range(len(plans))}
        self.held: dict[int, str] = {}  # desk -> the id of the ticket it called
        self.last_call: dict[int, datetime] = {}
        self.by_id: dict[str, TicketRecord] = {}

    @staticmethod
    def clerk(desk: int) -> Actor:
        return Actor(f"replay-clerk-{desk}", "clerk")

    def run(self) -> Outcome:
        events = []
        for i, plan in enumerate(self.plans):
            rec = plan.rec
            events += [(at, DESKS, i, count) for at, count in rec.desks]
            events += [(a.at, ARRIVAL, i, a) for a in rec.arrivals]
            events += [(c.at, CALL, i, c) for c in rec.calls]
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        for at, kind, i, payload in events:
            self.clock.now = at.astimezone(UTC)
            if kind == DESKS:
                self.sync_desks(i, payload)
            elif kind == ARRIVAL:
                self.issue(i, payload)
            else:
                self.call(i, payload)
        return self.outcome

    def release(self, desk: int) -> None:
        held = self.held.pop(desk, None)
        if held is not None:
            finish(self.core, self.clerk(desk), held)

    def sync_desks(self, i: int, target: int) -> None:
        pool, open_now = self.plans[i].desks, self.open[i]
        target = min(target, len(pool))
        for desk in pool:
            if len(open_now) >= target:
                break
            if desk not in open_now:
                open_desk(self.core, self.clerk(desk), desk)
                open_now.add(desk)
        # Close free desks first, the highest numbers first; a busy one finishes its ticket.
        closing = sorted(open_now, key=lambda d: (d in self.held, -d))
        for desk in closing[: max(len(open_now) - target, 0)]:
            self.release(desk)
            close_desk(self.core, self.clerk(desk), desk)
            open_now.discard(desk)

    def issue(self, i: int, arrival: Arrival) -> None:
        plan = self.plans[i]
        try:
            view = issue_ticket(self.core, KIOSK, service=plan.code, language="pl")
        except errors.ServiceFull:
            self.outcome.refused += 1
            return
        record = TicketRecord(
            plan=plan,
            number=view["number"],
            issued_at=self.clock.now,
            estimated_wait_min=view["eta_minutes"],
            people_ahead=view["people_ahead"],
            office_estimate_min=arrival.office_estimate,
            estimated_range=view.get("eta_range"),
        )
        self.by_id[view["id"]] = record
        self.outcome.tickets.append(record)

    def call(self, i: int, call: Call) -> None:
        plan = self.plans[i]
        # The desk that called longest ago (never-used ones first); a closed one if none is
        # open, which the next snapshot closes again.
        candidates = sorted(self.open[i]) or plan.desks
        desk = min(candidates, key=lambda d: (self.last_call.get(d, NEVER), d))
        self.release(desk)
        view = call_next(self.core, self.clerk(desk), desk)
        self.open[i].add(desk)
        self.last_call[desk] = self.clock.now
        if view is None:
            self.outcome.empty_calls += 1
            return
        record = self.by_id[view["id"]]
        record.called_at, record.original_number, record.desk = (
            self.clock.now,
            call.number,
            desk,
        )
        self.held[desk] = view["id"]


def desk_calls(rec: Reconstruction) -> list[tuple[int, datetime]]:
    """A reconstructed day's calls given to desks (1, 2, ...) the way the driver gives them: the
    open desk that called longest ago; the lowest numbers are the open ones."""
    events = [(at, DESKS, count) for at, count in rec.desks]
    events += [(c.at, CALL, None) for c in rec.calls]
    events.sort(key=lambda e: (e[0], e[1]))
    open_count, last = 0, {}
    calls = []
    for at, kind, count in events:
        if kind == DESKS:
            open_count = count
            continue
        desk = min(range(1, max(open_count, 1) + 1), key=lambda d: (last.get(d, NEVER), d))
        last[desk] = at
        calls.append((desk, at))
    return calls


def history_log(plans: list[Plan], past: list[list[Reconstruction]]) -> list[dict]:
    """Event-log rows for the calls of past days of the groups being replayed."""
    codes = {plan.rec.group.id: plan.code for plan in plans}
    rows = []
    for day in past:
        for rec in day:
            code = codes.get(rec.group.id)
            if code is None or rec.skip_reason is not None:
                continue
            for desk, at in desk_calls(rec):
                rows.append(
                    {
                        "at": at.astimezone(UTC),
                        "office_day": at.astimezone(ZONE).date(),
                        "kind": "ticket.called",
                        "actor": "replay-history",
                        "desk": desk,
                        "service": code,
                        "data": {},
                    }
                )
    return rows


def replay_plans(
    office: str, plans: list[Plan], past: list[list[Reconstruction]] | None = None
) -> Outcome:
    """Replay the plans through a fresh core with its own throwaway SQLite database, its event
    log holding the calls of the `past` days' reconstructions."""
    if not plans:
        return Outcome()
    with tempfile.TemporaryDirectory(prefix="frontdesk-replay-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'replay.db'}"
        settings = build_settings(office, plans, url)
        db = Database(url)
        try:
            db.create_all()
            history = history_log(plans, past or [])
            if history:
                with db.engine.begin() as connection:
                    connection.execute(insert(AuditEvent.__table__), history)
            starts = [t for p in plans for t, _ in p.rec.desks[:1]]
            clock = VirtualClock(min(starts).astimezone(UTC))
            core = Core(settings=settings, db=db, clock=clock)
            return _Driver(core, plans, clock).run()
        finally:
            db.dispose()
