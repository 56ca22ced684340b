"""config.toml is checked as a whole: every problem is listed with its key, in plain words."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from frontdesk.settings import ConfigError, load, parse
from tests.support.core import SMALL_OFFICE

SHIPPED = Path(__file__).resolve().parents[2] / "config.toml"


def problems_of(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(data)
    return caught.value.problems


def shipped() -> dict:
    return tomllib.loads(SHIPPED.read_text(encoding="utf-8"))


def test_the_shipped_demo_office_is_valid_and_warns_of_nothing():
    settings = load(SHIPPED)
    assert settings.office.name == "Urząd Dzielnicy Wola"
    assert {s.letter for s in settings.services} >= {"A", "B", "I", "H", "L", "E", "K"}
    assert all(s.names.uk and s.names.en for s in settings.services)
    assert settings.warnings() == []


def test_every_problem_is_listed_by_key_at_once():
    data = shipped()
    data["bogus"] = 1
    data["recall_limit"] = "two"
    data["office"]["timezone"] = "Mars/Olympus"
    data["services"][1]["letter"] = "a"
    data["services"][2]["letter"] = "A"
    data["desks"][0]["services"].append("nope")

    problems = problems_of(data)

    assert "bogus: unknown key (check its spelling)" in problems
    assert any(p.startswith("recall_limit: ") for p in problems)
    assert any(p.startswith("office.timezone: unknown time zone 'Mars/Olympus'") for p in problems)
    assert "services[1].letter: 'a' has the wrong form (expected one capital letter A-Z)" in (
        problems
    )
    assert "services[2].letter: 'A' is used twice" in problems
    assert "desks[0].services: no service has the code 'nope'" in problems
    assert len(problems) == 6


def test_a_missing_required_key_is_named():
    data = copy.deepcopy(SMALL_OFFICE)
    del data["services"][0]["expected_minutes"]
    assert problems_of(data) == ["services[0].expected_minutes: this key is required"]


def test_opening_hours_must_open_before_closing():
    data = copy.deepcopy(SMALL_OFFICE)
    data["office"]["hours"] = {"mon": {"opens": "16:00:00", "closes": "08:00:00"}}
    [problem] = problems_of(data)
    assert problem.startswith("office.hours.mon: ")
    assert "open before it closes" in problem


def test_default_language_must_be_offered():
    data = copy.deepcopy(SMALL_OFFICE)
    data["office"]["languages"] = ["pl", "en"]
    data["office"]["default_language"] = "uk"
    assert "office.default_language: must be one of office.languages" in problems_of(data)


def test_a_service_no_desk_serves_is_warned_about():
    data = copy.deepcopy(SMALL_OFFICE)
    data["desks"] = [d for d in data["desks"] if d["services"] != ["cash"]]
    assert parse(data).warnings() == ["services.cash: no desk serves this service"]


def test_a_service_served_only_behind_others_is_warned_about():
    data = copy.deepcopy(SMALL_OFFICE)
    data["desks"] = [
        {"number": 1, "name": "Desk 1", "services": ["ids", "cars"], "order": "listed"},
        {"number": 2, "name": "Desk 2", "services": ["cash"]},
    ]
    [warning] = parse(data).warnings()
    assert warning.startswith("services.cars: served only behind other services")


def test_an_unreadable_or_malformed_file_is_reported_as_such(tmp_path):
    with pytest.raises(ConfigError) as missing:
        load(tmp_path / "nowhere.toml")
    assert "cannot be read" in missing.value.problems[0]
    broken = tmp_path / "broken.toml"
    broken.write_text("[office\nname = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as malformed:
        load(broken)
    assert "not valid TOML" in malformed.value.problems[0]


def test_settings_cannot_be_changed_after_loading():
    settings = parse(copy.deepcopy(SMALL_OFFICE))
    with pytest.raises(ValueError):
        settings.recall_limit = 5
