"""POST /tickets with an Idempotency-Key: a kiosk that retries after a lost answer gets the
ticket its first attempt made, and nothing is written, numbered or printed twice."""

from __future__ import annotations

import threading

import pytest
import requests
from sqlmodel import func, select

from frontdesk.queue.model import AuditEvent, IssueRequest, Ticket
from frontdesk.services import staff
from tests.support.web import ADMIN, bearer

API = "/api/v1"
BODY = {"service": "ids", "language": "pl", "needs": ["hearing"]}


@pytest.fixture
def kiosk(credentials) -> dict:
    return bearer(credentials.kiosk_token)


def counts(core) -> tuple[int, int, int]:
    with core.reading() as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Ticket, AuditEvent, IssueRequest)
        )


def test_a_retried_attempt_gets_the_same_ticket_with_200_and_nothing_twice(client, kiosk, web_core):
    headers = kiosk | {"Idempotency-Key": "kiosk-attempt-0001"}
    before = counts(web_core)
    first = client.post(f"{API}/tickets", json=BODY, headers=headers)
    after_first = counts(web_core)

    again = client.post(f"{API}/tickets", json=BODY, headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert again.json["number"] == first.json["number"] == "A001"
    assert counts(web_core) == after_first
    assert [a - b for a, b in zip(after_first, before, strict=True)] == [1, 1, 1]


def test_a_new_attempt_with_another_key_makes_a_new_ticket(client, kiosk):
    one = client.post(f"{API}/tickets", json=BODY, headers=kiosk | {"Idempotency-Key": "a" * 16})
    two = client.post(f"{API}/tickets", json=BODY, headers=kiosk | {"Idempotency-Key": "b" * 16})

    assert (one.status_code, two.status_code) == (201, 201)
    assert (one.json["number"], two.json["number"]) == ("A001", "A002")


def test_the_same_key_from_another_kiosk_is_another_attempt(client, kiosk, web_core):
    key = {"Idempotency-Key": "shared-key-12345"}
    other_kiosk = bearer(staff.add_token(web_core, ADMIN, "second kiosk", "kiosk"))

    mine = client.post(f"{API}/tickets", json=BODY, headers=kiosk | key)
    theirs = client.post(f"{API}/tickets", json=BODY, headers=other_kiosk | key)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json["id"] != theirs.json["id"]


def test_a_refused_attempt_leaves_its_key_free(client, kiosk, web_core):
    headers = kiosk | {"Idempotency-Key": "retry-after-fix-1"}
    before = counts(web_core)
    refused = client.post(f"{API}/tickets", json=BODY | {"service": "nope"}, headers=headers)
    assert refused.status_code == 400
    assert counts(web_core) == before

    made = client.post(f"{API}/tickets", json=BODY, headers=headers)

    assert made.status_code == 201


@pytest.mark.parametrize("key", ["short", "x" * 65, "spaces are bad", "ключ-ключ-ключ"])
def test_a_malformed_key_is_refused(client, kiosk, web_core, key):
    before = counts(web_core)
    response = client.post(f"{API}/tickets", json=BODY, headers=kiosk | {"Idempotency-Key": key})

    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"
    assert response.json["error"]["fields"] == ["Idempotency-Key"]
    assert counts(web_core) == before


def test_without_a_key_every_request_is_a_new_ticket(client, kiosk):
    numbers = [client.post(f"{API}/tickets", json=BODY, headers=kiosk).json["number"] for _ in "ab"]

    assert numbers == ["A001", "A002"]


def test_a_retry_is_not_printed_again(client, kiosk, app, web_settings):
    headers = kiosk | {"Idempotency-Key": "print-once-0001"}
    for _ in range(3):
        client.post(f"{API}/tickets", json=BODY | {"print": True}, headers=headers)
    app.extensions["frontdesk.printing"].close()

    with open(web_settings.printer.path, "rb") as capture:
        printed = capture.read()
    assert printed.count(b"\x1d\x56") == 1  # one paper cut: one ticket


def test_concurrent_retries_of_one_attempt_make_one_ticket(live_server, credentials, web_core):
    headers = bearer(credentials.kiosk_token) | {"Idempotency-Key": "burst-attempt-01"}
    answers: list[requests.Response] = []
    start = threading.Barrier(6)

    def attempt() -> None:
        start.wait()
        answers.append(
            requests.post(f"{live_server.url}{API}/tickets", json=BODY, headers=headers, timeout=10)
        )

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert counts(web_core)[0] == 1
