"""Attacks from outside, over HTTP: cross-site requests, password guessing, copied cookies,
open redirects, framing and inline script, and input meant to break the server.

The refusals are checked for what they say (a 4xx in the error shape, in the caller's
language) and for what they leave behind (nothing)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import func, select

from frontdesk.app import create_app
from frontdesk.db import Database
from frontdesk.queue.model import AuditEvent, DeskState, Ticket
from frontdesk.security import MissingSecretKey, safe_next
from frontdesk.services import staff
from frontdesk.services.core import Core
from tests.support.core import office_settings
from tests.support.web import ADMIN, PASSWORD, bearer, make_web_app, page_token, sign_in

API = "/api/v1"
CSRF = "X-CSRFToken"
POLISH = {"Accept-Language": "pl"}
ROOT = Path(__file__).resolve().parents[2]


def assert_error(response, status: int, code: str) -> str:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.is_json, response.get_data(as_text=True)
    assert response.json["error"]["code"] == code
    return response.json["error"]["message"]


def state_of(core) -> dict:
    with core.reading() as session:
        return {
            "tickets": session.exec(select(func.count()).select_from(Ticket)).one(),
            "audit": session.exec(select(func.count()).select_from(AuditEvent)).one(),
            "open_desks": session.exec(
                select(func.count()).select_from(DeskState).where(DeskState.open)
            ).one(),
        }


def issue(client, credentials) -> dict:
    response = client.post(
        f"{API}/tickets",
        json={"service": "ids", "language": "en"},
        headers=bearer(credentials.kiosk_token),
    )
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def clerk(app, credentials):
    """A signed-in clerk's browser: the session cookie, and the token its pages hold."""
    client = app.test_client()
    sign_in(client, "anna")
    token = client.environ_base.pop("HTTP_X_CSRFTOKEN")
    return client, token


# Cross-site requests


def test_a_cross_origin_post_with_the_session_cookie_and_no_token_is_refused(clerk, web_core):
    client, _ = clerk
    before = state_of(web_core)

    response = client.post(
        f"{API}/desks/1/open", headers={"Origin": "http://127.0.0.1:9999"} | POLISH
    )

    message = assert_error(response, 403, "csrf_failed")
    assert "frontdesk" in message and message != "csrf_failed"
    assert state_of(web_core) == before


def test_a_foreign_origin_is_refused_even_with_the_right_token(clerk, web_core):
    client, token = clerk
    before = state_of(web_core)

    for origin in ("http://127.0.0.1:9999", "http://evil.example", "null"):
        response = client.post(f"{API}/desks/1/open", headers={"Origin": origin, CSRF: token})
        assert_error(response, 403, "csrf_failed")
    response = client.post(
        f"{API}/desks/1/open", headers={"Sec-Fetch-Site": "same-site", CSRF: token}
    )
    assert_error(response, 403, "csrf_failed")
    assert state_of(web_core) == before


def test_the_pages_own_requests_pass(clerk, web_core):
    client, token = clerk
    headers = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin", CSRF: token}

    response = client.post(f"{API}/desks/1/open", headers=headers)

    assert response.status_code == 200, response.json
    assert state_of(web_core)["open_desks"] == 1


def test_a_wrong_token_is_refused(clerk, web_core):
    client, _ = clerk
    before = state_of(web_core)

    assert_error(client.post(f"{API}/desks/1/open", headers={CSRF: "forged"}), 403, "csrf_failed")
    assert state_of(web_core) == before


def test_every_cookie_authenticated_write_needs_the_token(app, credentials, web_core):
    """Every writing route of the API, bodiless ones included, as a signed-in admin."""
    client = app.test_client()
    sign_in(client, "ola")
    client.environ_base.pop("HTTP_X_CSRFTOKEN")
    ticket = issue(client, credentials)
    before = state_of(web_core)
    writes = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API)
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if rule.endpoint != "api.login"
    ]
    assert len(writes) >= 15
    for rule, method in writes:
        path = re.sub(r"<ticket_id:\w+>", ticket["id"], rule.rule)
        path = re.sub(r"<id:\w+>", "1", path)
        response = client.open(path, method=method, json={})
        assert_error(response, 403, "csrf_failed")
    assert state_of(web_core) == before
    assert client.get(f"{API}/state").status_code == 200, "the session itself still works"


def test_a_paired_kiosk_cookie_needs_the_token_too(client, credentials, web_core):
    client.get(f"/kiosk?token={credentials.kiosk_token}")

    refused = client.post(f"{API}/tickets", json={"service": "ids", "language": "pl"})
    assert_error(refused, 403, "csrf_failed")
    assert state_of(web_core)["tickets"] == 0

    token = page_token(client, "/kiosk")
    issued = client.post(
        f"{API}/tickets", json={"service": "ids", "language": "pl"}, headers={CSRF: token}
    )
    assert issued.status_code == 201


def test_bearer_requests_need_no_token(client, credentials):
    response = client.post(
        f"{API}/tickets",
        json={"service": "ids", "language": "en"},
        headers=bearer(credentials.kiosk_token),
    )
    assert response.status_code == 201


def test_the_login_form_needs_its_token(client, credentials):
    refused = client.post("/login", data={"username": "anna", "password": PASSWORD})
    assert refused.status_code == 403
    assert client.get("/desk").status_code == 302, "not signed in"

    token = page_token(client)
    signed = client.post(
        "/login", data={"username": "anna", "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302
    assert client.get("/desk").status_code == 200


def test_the_json_sign_in_refuses_other_origins_and_forms(client, credentials):
    body = {"username": "anna", "password": PASSWORD}
    for headers in ({"Origin": "http://127.0.0.1:9999"}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post(f"{API}/session", json=body, headers=headers | POLISH)
        assert_error(response, 403, "csrf_failed")
    # What a cross-site form can send: not JSON, so not a sign-in.
    form = client.post(
        f"{API}/session",
        data='{"username": "anna", "password": "correct horse battery"}',
        content_type="text/plain",
    )
    assert_error(form, 400, "bad_json")
    assert_error(client.get(f"{API}/state"), 401, "unauthorized")


def test_the_session_route_hands_out_the_token(client, credentials):
    anonymous = client.get(f"{API}/session")
    assert anonymous.json["user"] is None and anonymous.json["csrf_token"]
    sign_in(client, "anna")
    assert client.get(f"{API}/session").json["user"] == {"username": "anna", "role": "clerk"}


# Rate limits


def test_a_hundred_wrong_passwords_lock_the_name_even_for_the_right_one(client, credentials):
    answers = [
        client.post(f"{API}/session", json={"username": "anna", "password": f"guess {n}"})
        for n in range(100)
    ]
    assert {a.status_code for a in answers[:10]} == {401}
    assert {a.status_code for a in answers[10:]} == {429}

    right = client.post(
        f"{API}/session", json={"username": "anna", "password": PASSWORD}, headers=POLISH
    )

    message = assert_error(right, 429, "rate_limited")
    assert message != "rate_limited" and "Too many" not in message, "in Polish"
    assert int(right.headers["Retry-After"]) > 0
    assert_error(client.get(f"{API}/state"), 401, "unauthorized")


def test_guessing_one_name_does_not_lock_out_another(client, credentials):
    for n in range(12):
        client.post(f"{API}/session", json={"username": "anna", "password": f"guess {n}"})

    sign_in(client, "marek")


def test_the_login_form_is_limited_too(client, credentials):
    token = page_token(client)
    for n in range(10):
        response = client.post(
            "/login", data={"username": "anna", "password": f"guess {n}", "csrf_token": token}
        )
        assert response.status_code == 401
    right = client.post(
        "/login", data={"username": "anna", "password": PASSWORD, "csrf_token": token}
    )
    assert right.status_code == 429
    assert client.get("/desk").status_code == 302


@pytest.fixture
def tight_limits(tmp_path):
    return office_settings(
        printer={"backend": "none"},
        limits={"ticket_issue": "3 per minute", "ticket_lookup": "5 per minute"},
    )


@pytest.fixture
def tight_app(tight_limits, clock, sqlite_url):
    db = Database(sqlite_url)
    db.create_all()
    app = make_web_app(Core(settings=tight_limits, db=db, clock=clock))
    yield app
    db.dispose()


def test_ticket_issue_is_limited_per_kiosk_token(tight_app):
    core = tight_app.extensions["frontdesk"]
    one = bearer(staff.add_token(core, ADMIN, "kiosk one", "kiosk"))
    two = bearer(staff.add_token(core, ADMIN, "kiosk two", "kiosk"))
    client = tight_app.test_client()
    body = {"service": "ids", "language": "en"}

    assert [
        client.post(f"{API}/tickets", json=body, headers=one).status_code for _ in range(4)
    ] == [
        201,
        201,
        201,
        429,
    ]
    assert_error(client.post(f"{API}/tickets", json=body, headers=one), 429, "rate_limited")
    assert client.post(f"{API}/tickets", json=body, headers=two).status_code == 201
    assert state_of(core)["tickets"] == 4


def test_ticket_lookups_are_limited_per_address(tight_app):
    client = tight_app.test_client()
    answers = [client.get(f"{API}/tickets/nosuchticket000") for _ in range(5)]
    assert {a.status_code for a in answers} == {404}
    assert_error(client.get(f"{API}/tickets/nosuchticket000"), 429, "rate_limited")
    assert client.get("/t/nosuchticket000").status_code == 429
    other = tight_app.test_client()
    response = other.get(f"{API}/tickets/x", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.status_code == 404


def test_a_rate_that_is_not_a_rate_is_a_config_problem():
    from frontdesk.settings import ConfigError

    with pytest.raises(ConfigError, match=r"limits\.login"):
        office_settings(limits={"login": "lots"})


# Sessions that end


def test_a_copied_session_cookie_stops_working_at_logout(app, credentials):
    browser, thief = app.test_client(), app.test_client()
    sign_in(browser, "anna")
    cookie = browser.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    assert thief.get(f"{API}/state").status_code == 200

    assert browser.delete(f"{API}/session").status_code == 204

    assert_error(thief.get(f"{API}/state"), 401, "unauthorized")
    assert_error(browser.get(f"{API}/state"), 401, "unauthorized")
    sign_in(browser, "anna")
    assert browser.get(f"{API}/state").status_code == 200, "a new sign-in works"


def test_the_logout_form_ends_the_session(client, credentials):
    sign_in(client, "anna")
    saved = client.get_cookie("session").value
    token = page_token(client, "/desk")

    response = client.post("/logout", data={"csrf_token": token})

    assert response.status_code == 302
    client.set_cookie("session", saved)
    assert client.get("/desk").status_code == 302


def test_a_new_password_ends_the_accounts_sessions(app, web_core, credentials):
    client = app.test_client()
    sign_in(client, "anna")

    staff.change_password(web_core, ADMIN, "anna", "a brand new password")

    assert_error(client.get(f"{API}/state"), 401, "unauthorized")
    refused = client.post(f"{API}/session", json={"username": "anna", "password": PASSWORD})
    assert_error(refused, 401, "bad_credentials")


def test_a_disabled_account_loses_its_sessions_and_cannot_sign_in(app, web_core, credentials):
    client = app.test_client()
    sign_in(client, "anna")

    staff.disable_user(web_core, ADMIN, "anna")

    assert_error(client.get(f"{API}/state"), 401, "unauthorized")
    refused = client.post(f"{API}/session", json={"username": "anna", "password": PASSWORD})
    assert_error(refused, 401, "bad_credentials")


def test_a_revoked_token_is_refused_at_once(client, web_core, credentials):
    issue(client, credentials)
    (kiosk,) = [t for t in staff.list_tokens(web_core) if t["role"] == "kiosk"]

    staff.revoke_token(web_core, ADMIN, str(kiosk["id"]))

    response = client.post(
        f"{API}/tickets",
        json={"service": "ids", "language": "en"},
        headers=bearer(credentials.kiosk_token),
    )
    assert_error(response, 401, "unauthorized")


# Redirects

OFF_SITE = [
    "//evil.example",
    "//evil.example/path",
    "/\t/evil.example",
    "/%09/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\r\nSet-Cookie: x=1",
    "https://evil.example",
    "javascript:alert(1)",
    "http:/evil.example",
    " //evil.example",
    "evil.example",
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_refuses_anything_but_a_local_path(target):
    from urllib.parse import unquote

    assert safe_next(target, "/start") == "/start"
    assert safe_next(unquote(target), "/start") == "/start"


@pytest.mark.parametrize("target", ["/desk", "/t/abc?lang=pl", "/kiosk#top", "/a/b/c"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target, "/start") == target


@pytest.mark.parametrize(
    "query",
    [
        "//evil.example",
        "/%09/evil.example",
        "/%0d%0aSet-Cookie:%20x=1",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "https://evil.example",
    ],
)
def test_the_language_switch_and_the_login_stay_on_the_site(client, credentials, query):
    switched = client.get(f"/language/pl?next={query}")
    assert switched.status_code == 302
    assert switched.headers["Location"] == "/start"

    token = page_token(client)
    signed = client.post(
        f"/login?next={query}",
        data={"username": "anna", "password": PASSWORD, "csrf_token": token},
    )
    assert signed.status_code == 302
    assert signed.headers["Location"] == "/start"


# Headers


def test_pages_forbid_inline_script_and_framing(client):
    response = client.get("/start")

    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert not re.search(r"\d", response.headers.get("Server", "")), "no versions"


def test_every_answer_names_the_server_without_versions(client):
    # Socket.IO answers bypass Flask; the WSGI middleware names them too. (Werkzeug's own
    # development server adds its version whatever the app says; the gevent server that
    # `frontdesk serve` runs adds nothing, and gunicorn says only "gunicorn".)
    for path in ("/start", "/socket.io/?EIO=4&transport=polling", "/api/v1/nowhere"):
        assert client.get(path).headers.get_all("Server") == ["frontdesk"], path


def test_socket_follows_can_spend_the_lookup_budget(tight_app):
    from frontdesk.security import allow_lookup

    with tight_app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.0.0.9"}):
        assert [allow_lookup() for _ in range(6)] == [True] * 5 + [False]
        assert allow_lookup("another visitor")


def test_no_template_has_inline_script_or_event_handlers():
    templates = [
        path
        for folder in ("frontdesk", "kiosk", "display", "desk", "supervisor")
        for path in (ROOT / folder).rglob("templates/**/*.html")
    ]
    assert len(templates) >= 8
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r"\sstyle\s*=", text), path


def test_a_server_without_a_secret_key_refuses_to_start(web_core, monkeypatch, tmp_path):
    monkeypatch.delenv("FRONTDESK_SECRET_KEY", raising=False)

    with pytest.raises(MissingSecretKey, match="FRONTDESK_SECRET_KEY"):
        create_app(core=web_core)

    demo = create_app(core=web_core, dev_secret=True, instance_path=str(tmp_path))
    assert len(demo.config["SECRET_KEY"]) >= 32


# Input meant to break the server: a clear 4xx, never a 500


def test_json_nested_a_hundred_thousand_deep_is_refused(clerk, web_core):
    client, token = clerk
    before = state_of(web_core)

    deep = "[" * 100_000 + "]" * 100_000
    too_big = client.post(
        f"{API}/alerts", data=deep, content_type="application/json", headers={CSRF: token}
    )
    assert_error(too_big, 413, "too_large")

    fits = "[" * 20_000 + "]" * 20_000
    refused = client.post(
        f"{API}/alerts", data=fits, content_type="application/json", headers={CSRF: token}
    )
    assert_error(refused, 400, "bad_json")
    assert state_of(web_core) == before


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64, 10**30])
def test_ids_beyond_the_databases_integers_are_not_found(app, credentials, number):
    client = app.test_client()
    sign_in(client, "marek")

    assert_error(client.post(f"{API}/alerts/{number}/ack"), 404, "not_found")
    assert_error(client.post(f"{API}/alerts/{number}/resolve"), 404, "not_found")
    assert_error(client.post(f"{API}/desks/{number}/call-next"), 404, "not_found")
    body = client.post(f"{API}/alerts", json={"desk": number, "kind": "aggression"})
    assert_error(body, 400, "invalid_input")


@pytest.mark.parametrize(
    "path",
    [
        "/tickets/%00",
        "/tickets/a%00b",
        "/tickets/" + "x" * 2400,
        "/tickets/..%2F..",
        "/tickets/%0a",
    ],
)
def test_ticket_ids_that_cannot_exist_are_not_found(client, path):
    assert_error(client.get(f"{API}{path}"), 404, "not_found")


def test_phone_page_ids_that_cannot_exist_are_not_found(client):
    for ticket_id in ("x" * 2400, "%00", "a%0d%0ab"):
        assert client.get(f"/t/{ticket_id}").status_code == 404
        assert client.get(f"/t/{ticket_id}/qr.svg").status_code == 404


def test_nul_in_a_body_or_a_user_name_is_refused(clerk, client, credentials):
    signed, token = clerk
    refused = signed.post(
        f"{API}/alerts",
        json={"desk": 1, "kind": "aggression", "note": "a\x00b"},
        headers={CSRF: token},
    )
    assert_error(refused, 400, "invalid_input")
    login = client.post(f"{API}/session", json={"username": "an\x00na", "password": PASSWORD})
    assert_error(login, 400, "invalid_input")


# The same on PostgreSQL, whose integers are 32-bit and whose text refuses NUL


@pytest.fixture
def postgres_app(fresh_postgres_database, clock):
    db = Database(fresh_postgres_database)
    db.create_all()
    core = Core(settings=office_settings(printer={"backend": "none"}), db=db, clock=clock)
    for name, role in (("anna", "clerk"), ("marek", "supervisor")):
        staff.add_user(core, ADMIN, name, role, PASSWORD)
    app = make_web_app(core)
    yield app
    db.dispose()


def test_bad_input_on_postgresql_is_a_4xx(postgres_app):
    anonymous = postgres_app.test_client()
    assert_error(anonymous.get(f"{API}/tickets/%00"), 404, "not_found")
    assert anonymous.get("/t/%00").status_code == 404
    assert anonymous.get("/t/" + "y" * 2400).status_code == 404
    login = anonymous.post(f"{API}/session", json={"username": "a\x00", "password": "x"})
    assert_error(login, 400, "invalid_input")
    token = page_token(anonymous)
    form = anonymous.post(
        "/login", data={"username": "anna\x00", "password": "x", "csrf_token": token}
    )
    assert form.status_code == 401

    supervisor = postgres_app.test_client()
    sign_in(supervisor, "marek")
    for number in (2**31, 2**63):
        assert_error(supervisor.post(f"{API}/alerts/{number}/ack"), 404, "not_found")
    assert_error(supervisor.post(f"{API}/alerts/{2**31 - 1}/ack"), 404, "unknown_alert")
    note = supervisor.post(f"{API}/alerts", json={"desk": 1, "kind": "aggression", "note": "\x00"})
    assert_error(note, 400, "invalid_input")
    transfer = supervisor.post(f"{API}/tickets/abc/transfer", json={"desk": 2**31})
    assert_error(transfer, 400, "invalid_input")
    demand = supervisor.post(f"{API}/desks/1/queue-jump-demands", json={"ticket_id": "\x00"})
    assert_error(demand, 400, "invalid_input")
