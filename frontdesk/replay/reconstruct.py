"""From the Warsaw snapshots to what happened: arrivals, calls and open desks per queue group.

The data (shared/data/warsaw-queues/README.md) holds, per office, queue group (`idGrupy`) and
moment, the desks open (`liczbaCzynnychStan`), the people waiting (`liczbaKlwKolejce`), the
number being served (`aktualnyNumer`, e.g. `P007`) and the office's published figure
(`czasObslugi`). Snapshots are about one to five minutes apart, with a few longer gaps.

How each piece is reconstructed, and how each caveat of the data is treated:

Calls. Every number of the group's own letter is matched to a *segment* (a run of one counter);
each step of the segment's highest number so far is one call, so a step of several is several
calls at that snapshot's time (numbered with the numbers stepped over). The first number of a
segment counts as one call: the numbers before it were served before we could see them (or on
an earlier day: some offices do not reset their counters overnight).

Counter resets and jumps. A number that falls more than `BACK_TOLERANCE` below every segment's
highest number (a reset), or lands more than `JUMP_LIMIT` above it (a jump, e.g. a separate
`9xx` range for booked visits that is interleaved with the normal one), starts a new segment;
a later number joins the segment whose highest number is nearest, so two interleaved ranges
are followed side by side instead of resetting on every switch. A number at most
`BACK_TOLERANCE` below its segment's highest is a stale display or a recall (with several desks
`aktualnyNumer` is not always the newest number): it is ignored, never counted as a call.

Foreign and missing numbers. Some groups show numbers of other letters (a cash desk serving
visitors of other groups, shared desks): those belong to the other group and are ignored here.
A blank `aktualnyNumer` means "unknown", not "nobody": when our numbers show again after blank
or foreign ones, the calls stepped over happened somewhere in that unseen stretch, so they are
spread evenly over it (the last one at the snapshot that shows it) rather than bunched at its
end, and so are the tickets that only those calls reveal (see Arrivals). Without this, a
display blank for three hours that comes back 45 numbers on would make 45 tickets issued and
called in its last five minutes.

Arrivals. Everyone issued a ticket has either been called or is still waiting, so the number of
tickets issued so far is at least `calls so far + waiting now` (the README's "served + waiting",
counted in calls so that resets and interleaved ranges do not disturb it). The newest issued
number never goes down, so its estimate is the running maximum of that sum; when it rises
between two snapshots, that many tickets were issued in between, spread evenly over the
interval since the group's previous snapshot (over `FIRST_INTERVAL` before the day's first
snapshot; over the unseen stretch for those revealed by its calls). A fall of the sum (people
who left, no-shows that skipped the counter) un-issues nothing. So issued >= called at every
snapshot. Queues are first come, first called, so the k-th call takes the k-th ticket: a call
that spreading would place before that ticket's issue is moved to the issue time.

Desks. The desks open at each snapshot, as the data says; they change at the snapshot's time.

Skipped groups. A group without a letter (blank `literaGrupy`), or whose own-letter numbers
never appear during the day (no calls can be seen, so no waits either), is not replayed; the
summary names and counts them.

Status. `status` is blank on many offices, and where it is 0 ("closed") numbers still advance
and people still wait, so it decides nothing here.

`czasObslugi` is loosely defined (a constant on some offices, something like a waiting time or
a cap on others). It is used only as the office's own published figure to compare against: the
value of the latest snapshot before a ticket's issue (the one a visitor could have seen), blank
if the field is blank. It never reaches our estimate.

Resolution. Times are whole minutes, and a call is placed at the first snapshot that shows it,
so a reconstructed wait is late by up to one snapshot interval (half of one on average). A
display that stands still on one number while the queue shrinks is not second-guessed: its
calls come in a burst when it moves on (the summary counts calls that came 5 or more at once).
"""

from __future__ import annotations

import bisect
import csv
import gzip
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Warsaw")
BACK_TOLERANCE = 20
JUMP_LIMIT = 100
FIRST_INTERVAL = timedelta(minutes=5)
BURST = 5
COLUMNS = (
    "office",
    "date",
    "time",
    "idGrupy",
    "literaGrupy",
    "nazwaGrupy",
    "status",
    "liczbaCzynnychStan",
    "liczbaKlwKolejce",
    "aktualnyNumer",
    "czasObslugi",
)
_NUMBER = re.compile(r"^\s*([^\d\s]*)\s*(\d+)\s*$")


class ReplayDataError(ValueError):
    """The data cannot be replayed as asked (unknown office or day, missing columns)."""


@dataclass(frozen=True)
class Snapshot:
    at: datetime  # aware, Europe/Warsaw
    desks: int
    waiting: int
    number: str  # aktualnyNumer as given, "" when blank
    office_estimate: int | None  # czasObslugi
    status: str


@dataclass
class Group:
    id: str
    letter: str  # literaGrupy, stripped ("" when blank)
    name: str
    snapshots: list[Snapshot] = field(default_factory=list)


@dataclass(frozen=True)
class Arrival:
    at: datetime
    office_estimate: int | None


@dataclass(frozen=True)
class Call:
    at: datetime
    number: str  # the original number called, e.g. "P007"


@dataclass
class Reconstruction:
    group: Group
    arrivals: list[Arrival] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    desks: list[tuple[datetime, int]] = field(default_factory=list)  # changes only
    segments: int = 0
    stale_numbers: int = 0  # small steps back: stale displays, recalls
    foreign_numbers: int = 0  # numbers of another letter
    blank_numbers: int = 0
    burst_calls: int = 0  # calls in steps of BURST or more at one snapshot
    skip_reason: str | None = None

    @property
    def max_desks(self) -> int:
        return max((count for _, count in self.desks), default=0)


def _int(text: str, default: int | None = 0) -> int | None:
    text = text.strip()
    if not text:
        return default
    try:
        return int(float(text))
    except ValueError:
        return default


def read_days(
    path: Path, office: str | None = None, until: date | None = None
) -> dict[tuple[str, date], list[dict[str, str]]]:
    """The rows of every office day (or of one office, up to a day), in one pass over the
    (gzipped) CSV. Raises ReplayDataError when the file is empty or lacks a column."""
    last = until.isoformat() if until else None
    opener = gzip.open if path.suffix == ".gz" else open
    days: dict[tuple[str, str], list[dict[str, str]]] = {}
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise ReplayDataError(f"{path}: the file is empty")
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise ReplayDataError(f"{path}: missing columns: {', '.join(missing)}")
        index = {name: header.index(name) for name in COLUMNS}
        i_office, i_date = index["office"], index["date"]
        offices: set[str] = set()
        for row in reader:
            offices.add(row[i_office])
            if office is not None and row[i_office] != office:
                continue
            if last is not None and row[i_date] > last:
                continue
            days.setdefault((row[i_office], row[i_date]), []).append(
                {name: row[i] for name, i in index.items()}
            )
    if office is not None and office not in offices:
        known = ", ".join(sorted(offices)) or "none"
        raise ReplayDataError(f"no office {office!r} in {path.name} (offices: {known})")
    return {(o, date.fromisoformat(d)): rows for (o, d), rows in sorted(days.items())}


def read_rows(path: Path, office: str, day: date) -> list[dict[str, str]]:
    """The rows of one office and day. Raises ReplayDataError naming the offices, or the
    office's days, when nothing matches."""
    days = read_days(Path(path), office)
    rows = days.get((office, day))
    if not rows:
        known = ", ".join(d.isoformat() for _, d in days)
        raise ReplayDataError(f"{office} has no rows on {day.isoformat()} (days: {known})")
    return rows


def groups_from_rows(rows: Iterable[dict[str, str]]) -> list[Group]:
    """Snapshots grouped by queue group, in time order; groups ordered by numeric id."""
    groups: dict[str, Group] = {}
    for row in rows:
        group_id = row["idGrupy"].strip()
        group = groups.get(group_id)
        if group is None:
            group = groups[group_id] = Group(
                group_id, row["literaGrupy"].strip(), row["nazwaGrupy"].strip()
            )
        local = datetime.strptime(f"{row['date']} {row['time']}", "%Y-%m-%d %H:%M")
        group.snapshots.append(
            Snapshot(
                at=local.replace(tzinfo=ZONE),
                desks=max(_int(row["liczbaCzynnychStan"]), 0),
                waiting=max(_int(row["liczbaKlwKolejce"]), 0),
                number=row["aktualnyNumer"].strip(),
                office_estimate=_int(row["czasObslugi"], None),
                status=row["status"].strip(),
            )
        )
    for group in groups.values():
        group.snapshots.sort(key=lambda s: s.at)
        # One snapshot per moment: a repeated minute keeps the last row seen.
        unique: dict[datetime, Snapshot] = {s.at: s for s in group.snapshots}
        group.snapshots = list(unique.values())
    return sorted(groups.values(), key=lambda g: (_int(g.id, 0), g.id))


def own_number(text: str, letter: str) -> int | None:
    """The numeric part of a number of this letter; None for blanks and other letters."""
    match = _NUMBER.match(text)
    if match is None or match.group(1).upper() != letter.upper():
        return None
    return int(match.group(2))


@dataclass
class _Segment:
    highest: int
    used: int  # snapshot index of the last match, to break ties towards the live segment


def _segment_for(segments: list[_Segment], number: int) -> _Segment | None:
    near = [s for s in segments if s.highest - BACK_TOLERANCE <= number <= s.highest + JUMP_LIMIT]
    return min(near, key=lambda s: (abs(number - s.highest), -s.used), default=None)


def _spread(count: int, start: datetime, end: datetime) -> list[datetime]:
    """`count` moments evenly inside (start, end): the middles of equal slices, whole seconds."""
    span = (end - start).total_seconds()
    return [start + timedelta(seconds=int(span * (2 * i + 1) / (2 * count))) for i in range(count)]


def _slice_ends(count: int, start: datetime, end: datetime) -> list[datetime]:
    """`count` moments in (start, end], the ends of equal slices; the last is `end` itself."""
    span = (end - start).total_seconds()
    return [start + timedelta(seconds=int(span * (i + 1) / count)) for i in range(count)]


def reconstruct(group: Group) -> Reconstruction:
    result = Reconstruction(group)
    if not group.letter:
        result.skip_reason = "no letter"
        return result
    segments: list[_Segment] = []
    called = issued = 0
    arrivals: list[datetime] = []
    calls: list[tuple[datetime, int]] = []
    previous_at: datetime | None = None
    seen_at: datetime | None = None  # the last snapshot that showed one of our numbers
    last_desks: int | None = None
    for index, snap in enumerate(group.snapshots):
        if snap.desks != last_desks:
            result.desks.append((snap.at, snap.desks))
            last_desks = snap.desks
        interval_start = previous_at if previous_at is not None else snap.at - FIRST_INTERVAL
        unknown_since: datetime | None = None
        new_calls: list[int] = []
        number = own_number(snap.number, group.letter)
        if number is None:
            if snap.number:
                result.foreign_numbers += 1
            else:
                result.blank_numbers += 1
        else:
            if seen_at is not None and seen_at != previous_at:
                unknown_since = seen_at  # blank or foreign numbers in between
            seen_at = snap.at
            segment = _segment_for(segments, number)
            if segment is None:
                segments.append(_Segment(number, index))
                new_calls = [number]
            else:
                segment.used = index
                if number > segment.highest:
                    new_calls = list(range(segment.highest + 1, number + 1))
                    segment.highest = number
                elif number < segment.highest:
                    result.stale_numbers += 1
        called += len(new_calls)
        if len(new_calls) >= BURST:
            result.burst_calls += len(new_calls)
        rise = called + snap.waiting - issued
        if rise > 0:
            # Tickets that only the calls of an unseen stretch reveal were issued within it.
            hidden = min(rise, len(new_calls)) if unknown_since is not None else 0
            arrivals += _spread(hidden, unknown_since, snap.at) if hidden else []
            arrivals += _spread(rise - hidden, interval_start, snap.at)
            issued += rise
        if unknown_since is not None and new_calls:
            calls += zip(
                _slice_ends(len(new_calls), unknown_since, snap.at), new_calls, strict=True
            )
        else:
            calls += [(snap.at, n) for n in new_calls]
        previous_at = snap.at
    result.segments = len(segments)
    if not segments:
        result.skip_reason = "no ticket numbers"
    # First come, first called: the k-th call takes the k-th ticket, never before its issue.
    arrivals.sort()
    calls.sort(key=lambda c: c[0])
    published = [s.office_estimate for s in group.snapshots]
    moments = [s.at for s in group.snapshots]
    result.arrivals = [
        Arrival(at, published[max(bisect.bisect_left(moments, at) - 1, 0)]) for at in arrivals
    ]
    result.calls = [
        Call(max(at, arrivals[k]), f"{group.letter}{n:03d}") for k, (at, n) in enumerate(calls)
    ]
    return result
