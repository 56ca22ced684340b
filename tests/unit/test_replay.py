"""The Warsaw replay (frontdesk.replay): reconstruction from hand-made snapshots, and a tiny
synthetic day replayed through the core, whose waits are worked out by hand below."""

from __future__ import annotations

import csv
import gzip
from datetime import date, datetime
from pathlib import Path

import pytest

from frontdesk.replay import ReplayDataError, replay_day, run_replay
from frontdesk.replay.reconstruct import (
    COLUMNS,
    ZONE,
    Group,
    groups_from_rows,
    own_number,
    read_rows,
    reconstruct,
)
from frontdesk.replay.simulate import (
    EXPECTED_MINUTES,
    assign_letters,
    build_settings,
    make_plans,
    select_groups,
)

DAY = "2020-01-02"


def snap(
    time: str,
    *,
    waiting: int = 0,
    number: str = "",
    desks: int = 1,
    group: str = "1",
    letter: str = "A",
    name: str = "Group",
    estimate: str = "",
    status: str = "",
    office: str = "UD_Test",
    day: str = DAY,
) -> dict[str, str]:
    return {
        "office": office,
        "date": day,
        "time": time,
        "idGrupy": group,
        "literaGrupy": letter,
        "nazwaGrupy": name,
        "status": status,
        "liczbaCzynnychStan": str(desks),
        "liczbaKlwKolejce": str(waiting),
        "aktualnyNumer": number,
        "czasObslugi": estimate,
    }


def one_group(*rows: dict[str, str]) -> Group:
    (group,) = groups_from_rows(rows)
    return group


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"{DAY}T{clock}").replace(tzinfo=ZONE)


def times(events) -> list[str]:
    return [e.at.strftime("%H:%M:%S") for e in events]


# Numbers


def test_own_number_reads_the_numeric_part_of_the_groups_own_letter_only():
    assert own_number("P007", "P") == 7
    assert own_number(" p120 ", "P") == 120
    assert own_number("R023", "A") is None  # another group's number
    assert own_number("", "A") is None
    assert own_number("A", "A") is None


# Arrivals


def test_a_rise_of_served_plus_waiting_is_that_many_arrivals_spread_over_the_interval():
    rec = reconstruct(
        one_group(
            snap("08:00"),
            snap("08:04", waiting=2),  # two issued in (08:00, 08:04]
            snap("08:10", waiting=1, number="A001"),  # 1 served + 1 waiting: nobody new
            snap("08:20", waiting=3, number="A002"),  # 2 served + 3 waiting: three new
        )
    )
    assert times(rec.arrivals) == [
        "08:01:00",
        "08:03:00",
        "08:11:40",
        "08:15:00",
        "08:18:20",
    ]
    assert [c.number for c in rec.calls] == ["A001", "A002"]
    assert times(rec.calls) == ["08:10:00", "08:20:00"]


def test_arrivals_before_the_first_snapshot_are_spread_over_the_five_minutes_before_it():
    rec = reconstruct(one_group(snap("08:00", waiting=1)))
    assert times(rec.arrivals) == ["07:57:30"]


def test_a_queue_that_shrinks_without_calls_unissues_nothing_and_later_counts_from_the_top():
    rec = reconstruct(
        one_group(
            snap("08:00", waiting=3, number="A001"),  # 4 issued
            snap("08:05", waiting=1, number="A001"),  # two left without a call
            snap("08:10", waiting=4, number="A001"),  # 5: one more than ever before
        )
    )
    assert len(rec.arrivals) == 5
    assert times(rec.arrivals)[-1] == "08:07:30"


def test_every_call_finds_a_ticket_issued_no_later_than_the_call():
    rec = reconstruct(
        one_group(
            snap("08:00", number="A001"),
            snap("08:05", number="A004", waiting=2),
            snap("08:07", number="A009", waiting=0),
        )
    )
    assert len(rec.arrivals) >= len(rec.calls) == 9
    for arrival, call in zip(sorted(rec.arrivals, key=lambda a: a.at), rec.calls, strict=True):
        assert arrival.at <= call.at


# Calls


def test_each_step_of_the_number_is_a_call_and_a_jump_of_several_is_several_calls():
    rec = reconstruct(
        one_group(
            snap("08:00", number="A001"),
            snap("08:05", number="A001"),
            snap("08:10", number="A004"),
            snap("08:15", number="A005"),
        )
    )
    assert [(c.at.strftime("%H:%M"), c.number) for c in rec.calls] == [
        ("08:00", "A001"),
        ("08:10", "A002"),
        ("08:10", "A003"),
        ("08:10", "A004"),
        ("08:15", "A005"),
    ]
    assert rec.segments == 1


def test_calls_hidden_by_blank_numbers_are_spread_over_the_stretch_they_happened_in():
    rec = reconstruct(
        one_group(
            snap("08:00", number="A001"),
            snap("08:05", number="", waiting=1),  # unknown who is served from here...
            snap("08:10", number=""),
            snap("08:15", number=""),
            snap("08:20", number="A005"),  # ...to here: four calls somewhere in (08:00, 08:20]
        )
    )
    assert times(rec.calls) == ["08:00:00", "08:05:00", "08:10:00", "08:15:00", "08:20:00"]
    # One ticket before 08:00, one seen waiting at 08:05, and the three the calls reveal,
    # issued within the unseen stretch too.
    assert times(rec.arrivals) == ["07:57:30", "08:02:30", "08:03:20", "08:10:00", "08:16:40"]


def test_no_call_is_placed_before_the_ticket_it_takes_is_issued():
    rec = reconstruct(
        one_group(
            snap("08:00", number="A001"),
            snap("08:05", number=""),
            snap("08:10", number="", waiting=3),  # three issued in (08:05, 08:10]
            snap("08:15", number="A004"),
        )
    )
    assert times(rec.arrivals) == ["07:57:30", "08:05:50", "08:07:30", "08:09:10"]
    # Spread evenly, A002 would be called at 08:05, before anyone was waiting for it.
    assert times(rec.calls) == ["08:00:00", "08:05:50", "08:10:00", "08:15:00"]


def test_a_small_step_back_is_a_stale_display_and_no_call():
    rec = reconstruct(
        one_group(
            snap("08:00", number="A010"),
            snap("08:05", number="A008"),  # another desk's older number, or a recall
            snap("08:10", number="A011"),
        )
    )
    assert [c.number for c in rec.calls] == ["A010", "A011"]
    assert rec.stale_numbers == 1
    assert rec.segments == 1


def test_a_counter_reset_starts_a_new_segment():
    rec = reconstruct(
        one_group(
            snap("08:00", number="A087"),
            snap("08:05", number="A088"),
            snap("08:10", number="A001"),  # the counter was reset
            snap("08:15", number="A003"),
        )
    )
    assert [c.number for c in rec.calls] == ["A087", "A088", "A001", "A002", "A003"]
    assert rec.segments == 2


def test_an_interleaved_range_is_followed_beside_the_normal_one_not_reset_each_switch():
    rec = reconstruct(
        one_group(
            snap("08:00", number="A010"),
            snap("08:05", number="A905"),  # a jump: booked visits numbered from 900
            snap("08:10", number="A011"),
            snap("08:15", number="A907"),
            snap("08:20", number="A012"),
        )
    )
    assert [c.number for c in rec.calls] == ["A010", "A905", "A011", "A906", "A907", "A012"]
    assert rec.segments == 2


def test_numbers_of_other_letters_and_blanks_call_nobody():
    rec = reconstruct(
        one_group(
            snap("08:00", number="K001", letter="K"),
            snap("08:05", number="R120", letter="K"),  # the cash desk serves group R's visitor
            snap("08:10", number="", letter="K"),
            snap("08:15", number="K002", letter="K"),
        )
    )
    assert [c.number for c in rec.calls] == ["K001", "K002"]
    assert (rec.foreign_numbers, rec.blank_numbers) == (1, 1)


def test_desk_changes_are_kept_and_status_decides_nothing():
    rows = [
        snap("08:00", desks=0, status=""),
        snap("08:05", desks=2, status="0", waiting=1, number="A001"),
        snap("08:10", desks=2, status="1", number="A002"),
        snap("08:15", desks=1, status="", number="A002"),
    ]
    rec = reconstruct(one_group(*rows))
    assert [(t.strftime("%H:%M"), n) for t, n in rec.desks] == [
        ("08:00", 0),
        ("08:05", 2),
        ("08:15", 1),
    ]
    assert len(rec.calls) == 2
    assert rec.max_desks == 2


# Skipped groups


def test_groups_without_a_letter_or_without_numbers_are_skipped():
    no_letter = reconstruct(one_group(snap("08:00", letter=" ", number="001", waiting=3)))
    no_numbers = reconstruct(one_group(snap("08:00", waiting=3), snap("08:05", waiting=5)))
    only_foreign = reconstruct(one_group(snap("08:00", number="R001", letter="K")))
    assert no_letter.skip_reason == "no letter"
    assert no_numbers.skip_reason == "no ticket numbers"
    assert only_foreign.skip_reason == "no ticket numbers"


# The office published figure and the service's expected minutes


def test_the_office_figure_at_issue_is_the_one_published_before_and_never_our_prior():
    rec = reconstruct(
        one_group(
            snap("08:00", estimate="0"),
            snap("08:05", waiting=1, estimate="12"),
            snap("08:10", waiting=2, estimate="20"),
            snap("08:15", waiting=2, estimate=""),
        )
    )
    assert [a.office_estimate for a in rec.arrivals] == [0, 12]
    # The day's figures (later ones among them) do not configure the service.
    [plan] = make_plans([rec])
    settings = build_settings("UD_Test", [plan], "sqlite://")
    assert settings.services[0].expected_minutes == EXPECTED_MINUTES


# Our configuration


def test_shared_letters_get_the_first_free_letters_and_the_first_group_keeps_its_own():
    rows = [
        snap("08:00", group="30", letter="A", number="A001"),
        snap("08:00", group="4", letter="B", number="B001"),
        snap("08:00", group="12", letter="A", number="A501"),
        snap("08:00", group="7", letter="C", number="C001"),
        snap("08:00", group="9", letter="A", number="A901"),
    ]
    recs = [reconstruct(g) for g in groups_from_rows(rows)]
    assert [r.group.id for r in recs] == ["4", "7", "9", "12", "30"]  # by numeric id
    assert assign_letters(recs) == {"4": "B", "7": "C", "9": "A", "12": "D", "30": "E"}


def test_only_the_26_busiest_groups_are_replayed():
    rows = []
    for i in range(1, 29):
        rows.append(snap("08:00", group=str(i), letter="A", number="A001", waiting=i))
    recs = [reconstruct(g) for g in groups_from_rows(rows)]
    kept = select_groups(recs)
    assert len(kept) == 26
    assert {r.group.id for r in recs if r.skip_reason} == {"1", "2"}  # the two quietest
    plans = make_plans(kept)
    assert sorted(p.letter for p in plans) == list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


# Reading the file


def write_data(path: Path, rows: list[dict[str, str]]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_read_rows_keeps_one_office_and_day_and_names_what_exists_otherwise(tmp_path):
    data = write_data(
        tmp_path / "q.csv.gz",
        [
            snap("08:00"),
            snap("08:00", office="UD_Other"),
            snap("08:00", day="2020-01-03"),
        ],
    )
    assert len(read_rows(data, "UD_Test", date(2020, 1, 2))) == 1
    with pytest.raises(ReplayDataError, match="offices: UD_Other, UD_Test"):
        read_rows(data, "UD_Nowhere", date(2020, 1, 2))
    with pytest.raises(ReplayDataError, match="days: 2020-01-02, 2020-01-03"):
        read_rows(data, "UD_Test", date(2020, 1, 9))


# A tiny day through the core

TINY_DAY = [
    # Group 1 (A), one desk. Tickets at 08:01 and 08:03 (two arrivals in (08:00, 08:04]),
    # called at 08:10 and 08:20; one more at 08:25 (a rise in (08:20, 08:30]) never called.
    snap("08:00", group="1", estimate="5"),
    snap("08:04", group="1", waiting=2, estimate="7"),
    snap("08:10", group="1", waiting=1, number="A001", estimate="7"),
    snap("08:20", group="1", waiting=0, number="A002", estimate="7"),
    snap("08:30", group="1", waiting=1, number="A002", estimate="7"),
    snap("08:40", group="1", waiting=1, number="A002", estimate="7", desks=0),
    # Group 2 shares the letter A, two desks, no published figure. Tickets at 08:01 and 08:03
    # (1 served + 1 waiting at 08:04), called at 08:04 and 08:10.
    snap("08:00", group="2", desks=2),
    snap("08:04", group="2", desks=2, waiting=1, number="A101"),
    snap("08:10", group="2", desks=2, waiting=0, number="A102"),
]


def test_a_tiny_day_replays_with_the_waits_worked_out_by_hand(tmp_path):
    data = write_data(tmp_path / "tiny.csv.gz", TINY_DAY)
    out = tmp_path / "tickets.csv"
    result = replay_day(data, "UD_Test", date(2020, 1, 2), out)

    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    table = [
        (
            r["group_id"],
            r["number"],
            r["original_letter"],
            r["original_number"],
            r["issued_at"][11:19],
            r["called_at"][11:19],
            r["estimated_wait_min"],
            r["actual_wait_min"],
            r["office_estimate_min"],
        )
        for r in rows
    ]
    # No past days: the prior is the flat 10 minutes per visitor at a desk. A001 and B001 find
    # a free desk: 0. A002 has one ahead at one desk: CENTRAL x 2 x 10. B002 one ahead at two
    # desks: CENTRAL x 2 x 5. A003 is next, but the desk holds A002: one call from now, at
    # (10, the one gap seen, + 3 x 10 of the prior) / 4. The office figure is the one published
    # before issue: 5 (08:00) for group 1, none for group 2.
    assert sorted(table) == [
        ("1", "A001", "A", "A001", "08:01:00", "08:10:00", "0", "9.0", "5"),
        ("1", "A002", "A", "A002", "08:03:00", "08:20:00", "15", "17.0", "5"),
        ("1", "A003", "A", "", "08:25:00", "", "8", "", "7"),
        ("2", "B001", "A", "A101", "08:01:00", "08:04:00", "0", "3.0", ""),
        ("2", "B002", "A", "A102", "08:03:00", "08:10:00", "8", "7.0", ""),
    ]
    assert rows[0]["issued_at"] == "2020-01-02T08:01:00+01:00"
    assert {r["service"] for r in rows} == {"Group"}

    # Errors |actual - estimate|: 9, 2, 3, 1 (ours); 4, 12 (office, group 1 only).
    assert (len(result.tickets), len(result.called)) == (5, 4)
    assert result.ours.mae == pytest.approx(3.75)
    assert result.ours.median == pytest.approx(2.5)
    assert result.ours.within_5 == pytest.approx(0.75)
    assert result.ours.within_10 == pytest.approx(1.0)
    assert result.office_figure.count == 2
    assert result.office_figure.mae == pytest.approx(8.0)
    assert result.outcome.empty_calls == result.outcome.refused == 0


def test_the_summary_gives_counts_and_error_figures(tmp_path):
    data = write_data(tmp_path / "tiny.csv.gz", TINY_DAY)
    text = run_replay(data, "UD_Test", date(2020, 1, 2), tmp_path / "t.csv")
    assert "Replay of UD_Test on 2020-01-02" in text
    assert "groups: 2 replayed, 0 skipped" in text
    assert "2 A->B" in text
    assert "tickets: 5 issued, 4 called, 1 never called" in text
    assert "MAE 3.8, median abs error 2.5" in text
    assert "czasObslugi (2 with it): MAE 8.0" in text
    assert "within ±5 min of our estimate: 75%, within ±10 min: 100%" in text


def test_a_day_without_numbers_replays_nothing_and_says_why(tmp_path):
    data = write_data(tmp_path / "holiday.csv.gz", [snap("08:00"), snap("08:05", waiting=0)])
    text = run_replay(data, "UD_Test", date(2020, 1, 2), tmp_path / "t.csv")
    assert "0 replayed, 1 skipped (1 no ticket numbers: 1)" in text
    assert "tickets: 0 issued" in text
    assert "MAE n/a" in text
