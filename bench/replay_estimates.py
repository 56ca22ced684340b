"""Our wait estimates against real Warsaw office days, next to the office's figure and a baseline.

    .venv/bin/python bench/replay_estimates.py [--data PATH] [--jobs N] [--tickets CSV]
        [OFFICE:YYYY-MM-DD ...]

Replays every office day in the data (or those named) through the core (frontdesk.replay), each
with the office's earlier days in its event log, and compares on the same called tickets:
- ours: `eta_minutes` at issue, and whether the wait fell in `eta_range`;
- office: the published czasObslugi at issue;
- baseline: people ahead × the median time between consecutive calls at one desk so far today
  ÷ desks open at issue (the replay's own calls and desks).
Prints MAE, median absolute error, the share within ±10 min, bias (actual - estimate), our
range's coverage, and the MAE by people ahead; over all days, and over odd and even dates
apart (the estimator's constants were fitted on the odd dates). --tickets writes one row per
compared ticket.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from frontdesk.queue.estimate import COVERAGE  # noqa: E402
from frontdesk.replay import Accuracy, replay_day  # noqa: E402
from frontdesk.replay.reconstruct import read_days  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared/data/warsaw-queues/warsaw_queues_2019-12-30_2020-01-10.csv.gz"
BANDS = ((0, 5), (6, 10), (11, 20), (21, 40), (41, None))
_days: dict = {}


def band(ahead: int) -> str:
    for low, high in BANDS:
        if high is None or ahead <= high:
            return f"{low}+" if high is None else f"{low}-{high}"
    raise AssertionError


def baseline(result) -> dict[int, float]:
    """id(record) -> the baseline's estimate at issue, from the calls before it at each desk."""
    out = {}
    for plan in result.plans:
        mine = [t for t in result.tickets if t.plan is plan]
        calls = sorted((t.called_at, t.desk) for t in mine if t.called_at is not None)
        moments = [at for at, _ in plan.rec.desks]
        for ticket in mine:
            if ticket.people_ahead is None:
                continue
            last: dict[int, object] = {}
            gaps = []
            for at, desk in calls[: bisect.bisect_left(calls, (ticket.issued_at,))]:
                if desk in last:
                    gaps.append((at - last[desk]).total_seconds() / 60)
                last[desk] = at
            i = bisect.bisect_right(moments, ticket.issued_at.astimezone(moments[0].tzinfo)) - 1
            desks = plan.rec.desks[i][1] if i >= 0 else 0
            if gaps:
                out[id(ticket)] = ticket.people_ahead * statistics.median(gaps) / max(desks, 1)
    return out


def run(spec: tuple[str, date]) -> dict:
    office, day = spec
    wall, cpu = time.perf_counter(), time.process_time()
    result = replay_day(Path(_days["path"]), office, day, days=_days["rows"])
    base = baseline(result)
    rows = []
    for t in result.called:
        if t.office_estimate_min is None or id(t) not in base or t.estimated_range is None:
            continue
        rows.append(
            {
                "office": office,
                "date": day.isoformat(),
                "ahead": t.people_ahead,
                "actual": round(t.actual_wait_min, 2),
                "ours": t.estimated_wait_min,
                "low": t.estimated_range[0],
                "high": t.estimated_range[1],
                "office_fig": t.office_estimate_min,
                "baseline": round(base[id(t)], 2),
            }
        )
    return {
        "office": office,
        "day": day,
        "tickets": len(result.tickets),
        "called": len(result.called),
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "rows": rows,
    }


def _init(path: str, rows: dict) -> None:
    _days.update(path=path, rows=rows)


def table(title: str, rows: list[dict]) -> None:
    if not rows:
        return
    print(f"\n{title}: {len(rows)} tickets")
    print(f"{'':10} {'MAE':>6} {'median':>6} {'±10':>5} {'bias':>6}   MAE by people ahead")
    print(f"{'':37}" + "".join(f"{b:>8}" for b in map(band, (lo for lo, _ in BANDS))))
    for name in ("ours", "office_fig", "baseline"):
        acc = Accuracy.of([(r[name], r["actual"]) for r in rows])
        by_band = []
        for low, _ in BANDS:
            these = [r for r in rows if band(r["ahead"]) == band(low)]
            mae = Accuracy.of([(r[name], r["actual"]) for r in these]).mae
            by_band.append("     n/a" if mae is None else f"{mae:8.1f}")
        print(
            f"{name.replace('_fig', ''):10} {acc.mae:6.1f} {acc.median:6.1f} {acc.within_10:5.0%}"
            f" {acc.bias:+6.1f}  " + "".join(by_band)
        )
    counts = "".join(f"{sum(band(r['ahead']) == band(lo) for r in rows):8d}" for lo, _ in BANDS)
    print(f"{'tickets':37}{counts}")
    covered = [r["low"] <= r["actual"] <= r["high"] for r in rows]
    by_band = []
    for low, _ in BANDS:
        these = [
            r["low"] <= r["actual"] <= r["high"] for r in rows if band(r["ahead"]) == band(low)
        ]
        by_band.append(f"{sum(these) / len(these):8.0%}" if these else "     n/a")
    width = statistics.fmean(r["high"] - r["low"] for r in rows)
    print(
        f"range: {sum(covered) / len(covered):.1%} of waits within it (promised {COVERAGE:.0%}),"
        f" mean width {width:.0f} min; by band " + "".join(by_band)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--tickets", type=Path)
    parser.add_argument("days", nargs="*", metavar="OFFICE:YYYY-MM-DD")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    rows_by_day = read_days(args.data)
    wanted = [(o, date.fromisoformat(d)) for o, _, d in (s.partition(":") for s in args.days)]
    specs = wanted or list(rows_by_day)
    print(f"{len(specs)} office days, {args.jobs} processes")
    results = []
    with ProcessPoolExecutor(
        args.jobs, initializer=_init, initargs=(str(args.data), rows_by_day)
    ) as pool:
        for done in pool.map(run, specs, chunksize=1):
            results.append(done)
    rows = [r for done in results for r in done["rows"]]
    wall = time.perf_counter() - started
    cpu = sum(d["cpu"] for d in results)
    print(
        f"{sum(d['tickets'] for d in results)} tickets issued, {sum(d['called'] for d in results)}"
        f" called, {len(rows)} compared (called, with the office's figure and a baseline);"
        f" {wall:.0f} s wall, {cpu:.0f} s CPU in the replays"
    )
    table("all days", rows)
    table(
        "odd dates (the constants were fitted on these)",
        [r for r in rows if int(r["date"][-2:]) % 2],
    )
    table("even dates (held out)", [r for r in rows if not int(r["date"][-2:]) % 2])
    if args.tickets:
        with args.tickets.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
