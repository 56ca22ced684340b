"""Our wait estimates against real Warsaw office days, and how long a replay takes.

    .venv/bin/python bench/replay_estimates.py [--data PATH] [OFFICE:YYYY-MM-DD ...]

Replays each office day through the core (frontdesk.replay) and prints one row per day: the
tickets issued and called, the replay's wall and CPU seconds, the mean absolute error (minutes)
of our estimate at issue and of the office's published czasObslugi against the actual wait,
and the share of called tickets whose actual wait was within ±10 min of our estimate. The last
row pools every called ticket. Without arguments it runs a handful of days, UD_Wola's busiest
weekday among them.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from frontdesk.replay import Accuracy, replay_day  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared/data/warsaw-queues/warsaw_queues_2019-12-30_2020-01-10.csv.gz"
DAYS = [
    "UD_Wola:2019-12-30",  # Monday, the busiest Wola day in the file (about 2000 tickets)
    "UD_Wola:2020-01-07",  # Tuesday
    "UD_Praga_Poludnie:2020-01-03",  # about 2000 tickets, long queues
    "UD_Ursus:2019-12-30",  # interleaved 9xx ranges: counter segments
    "UD_Bemowo:2020-01-08",
    "USC_Sandomierska:2020-01-02",  # a registry office, cash desk showing other letters
]


def _m(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.1f}"


def _p(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.0%}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("days", nargs="*", default=DAYS, metavar="OFFICE:YYYY-MM-DD")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 1

    header = (
        f"{'office':<20} {'date':<10} {'tickets':>7} {'called':>6} {'wall s':>7} {'cpu s':>6}"
        f" {'our MAE':>7} {'office MAE':>10} {'ours ±10':>8}"
    )
    print(header)
    print("-" * len(header))
    ours_all: list[tuple[float, float]] = []
    office_all: list[tuple[float, float]] = []
    tickets = called = 0
    wall_total = cpu_total = 0.0
    for spec in args.days:
        office, _, day = spec.partition(":")
        wall, cpu = time.perf_counter(), time.process_time()
        result = replay_day(args.data, office, date.fromisoformat(day))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        done = result.called
        ours_all += [(t.estimated_wait_min, t.actual_wait_min) for t in done]
        office_all += [
            (t.office_estimate_min, t.actual_wait_min)
            for t in done
            if t.office_estimate_min is not None
        ]
        tickets, called = tickets + len(result.tickets), called + len(done)
        wall_total, cpu_total = wall_total + wall, cpu_total + cpu
        print(
            f"{office:<20} {day:<10} {len(result.tickets):>7} {len(done):>6} {wall:>7.1f}"
            f" {cpu:>6.1f} {_m(result.ours.mae):>7} {_m(result.office_figure.mae):>10}"
            f" {_p(result.ours.within_10):>8}",
            flush=True,
        )
    ours, theirs = Accuracy.of(ours_all), Accuracy.of(office_all)
    print("-" * len(header))
    print(
        f"{'all':<20} {'':<10} {tickets:>7} {called:>6} {wall_total:>7.1f} {cpu_total:>6.1f}"
        f" {_m(ours.mae):>7} {_m(theirs.mae):>10} {_p(ours.within_10):>8}"
    )
    print(
        f"pooled medians of the absolute error: ours {_m(ours.median).strip()} min, "
        f"office {_m(theirs.median).strip()} min; bias (actual - estimate): ours "
        f"{ours.bias:+.1f}, office {theirs.bias:+.1f}"
        if ours.count and theirs.count
        else ""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
