"""Fixtures for the core: a small office, a controllable clock, a database per test."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from frontdesk.db import Database
from frontdesk.events import RecordingBroadcaster
from frontdesk.services.core import Actor, Core
from frontdesk.settings import Settings, parse


def names(text: str) -> dict:
    return {"pl": f"{text} (pl)", "uk": f"{text} (uk)", "en": text}


SMALL_OFFICE: dict = {
    "office": {"name": "Test Office", "timezone": "Europe/Warsaw", "enforce_hours": False},
    "recall_limit": 2,
    "reinstate_minutes": 30,
    "services": [
        {"code": "ids", "letter": "A", "names": names("IDs"), "expected_minutes": 6},
        {"code": "cars", "letter": "B", "names": names("Cars"), "expected_minutes": 10},
        {
            "code": "cash",
            "letter": "K",
            "names": names("Cash"),
            "expected_minutes": 2,
            "daily_cap": 3,
        },
    ],
    "desks": [
        {"number": 1, "name": "Desk 1", "services": ["ids", "cars"]},
        {"number": 2, "name": "Desk 2", "services": ["ids"]},
        {"number": 3, "name": "Desk 3", "services": ["cars", "ids"], "order": "listed"},
        {"number": 4, "name": "Cashier", "services": ["cash"]},
    ],
    "priorities": [
        {
            "id": "pregnant",
            "names": names("Pregnant"),
            "explanation": names("Up to 30 min"),
            "boost_minutes": 30,
            "verify": True,
        },
        {
            "id": "card",
            "names": names("Card"),
            "explanation": names("Up to 10 min"),
            "boost_minutes": 10,
            "verify": False,
        },
    ],
    "needs": [
        {"id": "email_only", "names": names("E-mail only")},
        {"id": "hearing", "names": names("Hearing")},
    ],
    "out_of_order_reasons": [{"id": "appointment", "names": names("Appointment")}],
    "alert_kinds": [
        {"id": "aggression", "names": names("Aggression")},
        {"id": "long_wait", "names": names("Long wait")},
    ],
}


class FakeClock:
    """UTC time that moves only when a test says so."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


CLERK = Actor("anna", "clerk")
KIOSK = Actor("hall-kiosk", "kiosk")
SUPERVISOR = Actor("marek", "supervisor")


def office_settings(**overrides: object) -> Settings:
    data = copy.deepcopy(SMALL_OFFICE)
    data.update(overrides)
    return parse(data)


@pytest.fixture
def settings() -> Settings:
    return office_settings()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recorder() -> RecordingBroadcaster:
    return RecordingBroadcaster()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'frontdesk.db'}"


@pytest.fixture
def core(settings, clock, recorder, sqlite_url):
    db = Database(sqlite_url)
    db.create_all()
    yield Core(settings=settings, db=db, clock=clock, listeners=[recorder])
    db.dispose()
