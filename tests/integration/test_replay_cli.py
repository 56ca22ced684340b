"""`frontdesk replay` on the real Warsaw data, run as a user would: the installed command."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

DATA = Path(
    os.environ.get(
        "FRONTDESK_WARSAW_DATA",
        Path(__file__).resolve().parents[1] / "data/warsaw_USC_Sandomierska_2020-01-02.csv.gz",
    )
)
COMMAND = Path(sys.executable).with_name("frontdesk")
# A small registry office on a working day: about 300 tickets in 9 groups, with numbers of
# other letters on the cash desk; it replays in a few seconds.
OFFICE, DAY = "USC_Sandomierska", "2020-01-02"
REQUIRED = {"service", "number", "issued_at", "called_at", "estimated_wait_min", "actual_wait_min"}


def replay(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(COMMAND), "replay", str(DATA), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


@pytest.mark.timeout(150)
def test_replay_of_a_real_day_writes_consistent_tickets_and_a_summary(tmp_path):
    out = tmp_path / "tickets.csv"
    done = replay("--office", OFFICE, "--date", DAY, "--out", str(out))
    assert done.returncode == 0, done.stderr

    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert set(reader.fieldnames) >= REQUIRED
        rows = list(reader)
    assert len(rows) > 100
    called = [r for r in rows if r["called_at"]]
    assert len(called) > 100
    for row in rows:
        issued = datetime.fromisoformat(row["issued_at"])
        assert issued.date().isoformat() == DAY
        assert issued.utcoffset().total_seconds() == 3600  # Warsaw local time, in winter
        assert row["estimated_wait_min"] != ""
        if row["called_at"]:
            assert datetime.fromisoformat(row["called_at"]) >= issued
            assert float(row["actual_wait_min"]) >= 0
        else:
            assert row["actual_wait_min"] == ""
    numbers = [r["number"] for r in rows]
    assert len(set(numbers)) == len(numbers)

    summary = done.stdout
    assert f"Replay of {OFFICE} on {DAY}" in summary
    assert f"tickets: {len(rows)} issued, {len(called)} called" in summary
    assert "our estimate at issue" in summary and "czasObslugi" in summary
    assert "MAE" in summary and "median abs error" in summary
    assert "within ±5 min" in summary and "within ±10 min" in summary


@pytest.mark.timeout(150)
def test_replay_of_an_unknown_office_fails_with_the_known_offices(tmp_path):
    done = replay("--office", "UD_Nowhere", "--date", DAY, "--out", str(tmp_path / "t.csv"))
    assert done.returncode == 1
    assert "no office 'UD_Nowhere'" in done.stderr and OFFICE in done.stderr
    assert "Traceback" not in done.stderr
