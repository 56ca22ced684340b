"""Who may do what: the role matrix of the API, staff sessions, bearer tokens, device pairing
and the staff pages' sign-in. Driven over HTTP through Flask's test client."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import func, select

from frontdesk.queue.model import ApiToken, AuditEvent, Ticket, User
from tests.support.web import PASSWORD, bearer, page_token, sign_in

API = "/api/v1"
CSRF = "X-CSRFToken"
DEVICE_COOKIE = "frontdesk_device"

ANONYMOUS = "anonymous"
KIOSK, DISPLAY, INTEGRATION = "kiosk", "display", "integration"
CLERK, SUPERVISOR, ADMIN = "clerk", "supervisor", "admin"
EVERYONE = (ANONYMOUS, KIOSK, DISPLAY, INTEGRATION, CLERK, SUPERVISOR, ADMIN)
STAFF = {CLERK, SUPERVISOR, ADMIN}
SUPERVISORS = {SUPERVISOR, ADMIN}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    allowed: frozenset[str]
    body: dict | None = None

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


NOBODY = "no-such-ticket"
ROUTES = [
    Route("post", "/tickets", frozenset({KIOSK} | STAFF), {"service": "ids", "language": "en"}),
    Route("post", "/desks/1/call-next", frozenset(STAFF)),
    Route("post", "/desks/1/open", frozenset(STAFF)),
    Route("post", "/desks/1/close", frozenset(STAFF)),
    Route("post", "/desks/1/queue-jump-demands", frozenset(STAFF), {}),
    Route(
        "post", f"/tickets/{NOBODY}/call", frozenset(STAFF), {"desk": 1, "reason": "appointment"}
    ),
    *(
        Route("post", f"/tickets/{NOBODY}/{step}", frozenset(STAFF))
        for step in ("recall", "start", "finish", "no-show", "reinstate")
    ),
    Route("post", f"/tickets/{NOBODY}/transfer", frozenset(STAFF), {"service": "cars"}),
    Route("post", f"/tickets/{NOBODY}/verify-priority", frozenset(STAFF), {"accepted": True}),
    Route("post", "/alerts", frozenset(STAFF), {"desk": 1, "kind": "aggression", "silent": False}),
    Route("post", "/alerts/1/ack", frozenset(SUPERVISORS)),
    Route("post", "/alerts/1/resolve", frozenset(SUPERVISORS), {}),
    Route("get", "/state", frozenset({DISPLAY} | STAFF)),
    Route("get", "/reports/daily?date=2026-03-02", frozenset(SUPERVISORS)),
]


class Caller:
    """One test client with the credentials of one role."""

    def __init__(self, client, headers: dict | None = None):
        self.client = client
        self.headers = headers or {}

    def request(self, route: Route):
        kwargs: dict = {"headers": self.headers}
        if route.body is not None:
            kwargs["json"] = route.body
        return getattr(self.client, route.method)(f"{API}{route.path}", **kwargs)


@pytest.fixture
def callers(app, credentials) -> dict[str, Caller]:
    signed = {}
    for role, username in ((CLERK, "anna"), (SUPERVISOR, "marek"), (ADMIN, "ola")):
        client = app.test_client()
        sign_in(client, username)
        signed[role] = Caller(client)
    return signed | {
        ANONYMOUS: Caller(app.test_client()),
        KIOSK: Caller(app.test_client(), bearer(credentials.kiosk_token)),
        DISPLAY: Caller(app.test_client(), bearer(credentials.display_token)),
        INTEGRATION: Caller(app.test_client(), bearer(credentials.integration_token)),
    }


def written(core) -> tuple[int, int]:
    with core.reading() as session:
        return (
            session.exec(select(func.count()).select_from(Ticket)).one(),
            session.exec(select(func.count()).select_from(AuditEvent)).one(),
        )


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


# The role matrix


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_each_route_refuses_the_anonymous_with_401_and_wrong_roles_with_403(
    route, callers, web_core
):
    for role in EVERYONE:
        before = written(web_core)
        response = callers[role].request(route)
        if role == ANONYMOUS:
            assert_error(response, 401, "unauthorized")
        elif role not in route.allowed:
            assert_error(response, 403, "forbidden")
        else:
            assert response.status_code not in (401, 403), (role, response.json)
            continue
        assert written(web_core) == before, f"{role} was refused {route} but something changed"


def test_a_display_cannot_issue_tickets(callers):
    route = Route("post", "/tickets", frozenset(), {"service": "ids", "language": "en"})
    assert_error(callers[DISPLAY].request(route), 403, "forbidden")


def test_a_kiosk_cannot_call_the_next_ticket(callers):
    assert_error(
        callers[KIOSK].request(Route("post", "/desks/1/call-next", frozenset())), 403, "forbidden"
    )


def test_an_integration_can_read_services_and_tickets_but_cannot_call(callers, credentials):
    integration = callers[INTEGRATION]
    issued = callers[KIOSK].request(ROUTES[0]).json

    assert integration.client.get(f"{API}/services", headers=integration.headers).status_code == 200
    ticket = integration.client.get(f"{API}/tickets/{issued['id']}", headers=integration.headers)
    assert ticket.status_code == 200
    assert_error(
        integration.request(Route("post", "/desks/1/call-next", frozenset())), 403, "forbidden"
    )
    assert_error(
        integration.request(
            Route(
                "post",
                f"/tickets/{issued['id']}/call",
                frozenset(),
                {"desk": 1, "reason": "appointment"},
            )
        ),
        403,
        "forbidden",
    )


def test_a_clerk_cannot_acknowledge_alerts_or_read_reports(callers):
    clerk = callers[CLERK]
    assert_error(clerk.request(Route("post", "/alerts/1/ack", frozenset())), 403, "forbidden")
    assert_error(clerk.request(Route("post", "/alerts/1/resolve", frozenset())), 403, "forbidden")
    assert_error(
        clerk.request(Route("get", "/reports/daily?date=2026-03-02", frozenset())), 403, "forbidden"
    )


def test_the_public_routes_need_no_credentials(app, callers):
    anonymous = app.test_client()
    issued = callers[KIOSK].request(ROUTES[0]).json

    assert anonymous.get(f"{API}/services").status_code == 200
    assert anonymous.get(f"{API}/tickets/{issued['id']}").status_code == 200
    assert anonymous.get(f"{API}/openapi.json").status_code == 200


# Staff sessions


def test_a_clerk_signs_in_works_and_signs_out(client, credentials):
    response = client.post(f"{API}/session", json={"username": "anna", "password": PASSWORD})

    assert response.status_code == 200
    token = response.json["csrf_token"]
    assert response.json == {"username": "anna", "role": "clerk", "csrf_token": token}
    assert client.get(f"{API}/state").status_code == 200

    assert client.delete(f"{API}/session", headers={"X-CSRFToken": token}).status_code == 204
    assert_error(client.get(f"{API}/state"), 401, "unauthorized")


def test_the_session_cookie_is_http_only_and_same_site(client, credentials):
    response = client.post(f"{API}/session", json={"username": "anna", "password": PASSWORD})

    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_a_wrong_password_is_refused_with_bad_credentials(client, credentials):
    response = client.post(f"{API}/session", json={"username": "anna", "password": "not it"})

    assert_error(response, 401, "bad_credentials")
    assert "Set-Cookie" not in response.headers or "session=;" in response.headers["Set-Cookie"]
    assert_error(client.get(f"{API}/state"), 401, "unauthorized")


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(client, credentials):
    unknown = client.post(f"{API}/session", json={"username": "nobody", "password": PASSWORD})
    wrong = client.post(f"{API}/session", json={"username": "anna", "password": "not it"})

    assert_error(unknown, 401, "bad_credentials")
    assert unknown.json == wrong.json


def test_a_login_with_a_missing_password_is_invalid_input(client, credentials):
    assert_error(client.post(f"{API}/session", json={"username": "anna"}), 400, "invalid_input")


def test_a_deactivated_account_loses_its_session_at_once(client, credentials, web_core):
    sign_in(client, "anna")
    assert client.get(f"{API}/state").status_code == 200

    with web_core.db.session(write=True) as session:
        session.exec(select(User).where(User.username == "anna")).one().active = False
        session.commit()

    assert_error(client.get(f"{API}/state"), 401, "unauthorized")
    response = client.post(f"{API}/session", json={"username": "anna", "password": PASSWORD})
    assert_error(response, 401, "bad_credentials")


# Bearer tokens


def revoke(core, name: str) -> None:
    with core.db.session(write=True) as session:
        session.exec(select(ApiToken).where(ApiToken.name == name)).one().revoked = True
        session.commit()


def test_a_revoked_token_is_refused(client, credentials, web_core):
    headers = bearer(credentials.display_token)
    assert client.get(f"{API}/state", headers=headers).status_code == 200

    revoke(web_core, "hall display")

    assert_error(client.get(f"{API}/state", headers=headers), 401, "unauthorized")


def test_an_unknown_token_is_401_even_with_a_staff_session_cookie(client, credentials):
    sign_in(client, "anna")

    response = client.get(f"{API}/state", headers=bearer("made-up-token"))

    assert_error(response, 401, "unauthorized")


def test_a_revoked_token_is_401_even_with_a_staff_session_cookie(client, credentials, web_core):
    sign_in(client, "ola")
    revoke(web_core, "hall kiosk")

    response = client.post(
        f"{API}/tickets",
        json={"service": "ids", "language": "en"},
        headers=bearer(credentials.kiosk_token),
    )

    assert_error(response, 401, "unauthorized")
    assert written(web_core)[0] == 0


def test_a_bearer_header_that_is_not_a_token_is_refused(client, credentials):
    for value in ("Bearer ", "Bearer " + "x" * 500, "Basic YW5uYTpwYXNz"):
        response = client.get(f"{API}/state", headers={"Authorization": value})
        assert_error(response, 401, "unauthorized")


# Device pairing and the pages


def test_a_kiosk_is_paired_by_opening_its_page_once_with_the_token(client, credentials):
    response = client.get(f"/kiosk?token={credentials.kiosk_token}")

    assert response.status_code == 302
    assert response.headers["Location"] == "/kiosk", "the token is cleaned from the address"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{DEVICE_COOKIE}={credentials.kiosk_token};")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie

    page = client.get("/kiosk")
    assert page.status_code == 200
    assert credentials.kiosk_token not in page.get_data(as_text=True)


def test_a_paired_kiosk_issues_tickets_with_its_cookie_alone(client, credentials):
    client.get(f"/kiosk?token={credentials.kiosk_token}")
    token = page_token(client, "/kiosk")

    response = client.post(
        f"{API}/tickets", json={"service": "ids", "language": "pl"}, headers={CSRF: token}
    )

    assert response.status_code == 201
    assert response.json["number"] == "A001"


def test_a_display_token_cannot_pair_the_kiosk(client, credentials):
    response = client.get(f"/kiosk?token={credentials.display_token}")

    assert response.status_code == 403
    assert DEVICE_COOKIE not in response.headers.get("Set-Cookie", "")
    assert client.get("/kiosk").status_code == 401


def test_an_unknown_token_cannot_pair_a_display(client, credentials):
    response = client.get("/display?token=made-up")

    assert response.status_code == 403
    assert DEVICE_COOKIE not in response.headers.get("Set-Cookie", "")


def test_a_display_is_paired_with_its_own_token(client, credentials):
    response = client.get(f"/display?token={credentials.display_token}")

    assert response.status_code == 302
    assert response.headers["Location"] == "/display"
    assert client.get("/display").status_code == 200
    # A paired display may read the state but still not issue tickets.
    assert client.get(f"{API}/state").status_code == 200
    token = page_token(client, "/display")
    assert_error(
        client.post(
            f"{API}/tickets", json={"service": "ids", "language": "pl"}, headers={CSRF: token}
        ),
        403,
        "forbidden",
    )


def test_an_unpaired_kiosk_page_asks_for_pairing(client):
    assert client.get("/kiosk").status_code == 401
    assert client.get("/display").status_code == 401


def test_the_desk_page_sends_a_signed_out_visitor_to_the_login(client):
    response = client.get("/desk")

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/desk"]}


def test_the_desk_page_opens_for_a_signed_in_clerk(client, credentials):
    sign_in(client, "anna")
    assert client.get("/desk").status_code == 200


def test_the_supervisor_page_is_forbidden_to_a_clerk_and_open_to_a_supervisor(app, credentials):
    clerk, supervisor = app.test_client(), app.test_client()
    sign_in(clerk, "anna")
    sign_in(supervisor, "marek")

    assert clerk.get("/supervisor").status_code == 403
    assert supervisor.get("/supervisor").status_code == 200


def test_the_login_form_signs_staff_in_and_returns_them_where_they_were(client, credentials):
    response = client.post(
        "/login?next=/desk",
        data={"username": "anna", "password": PASSWORD, "csrf_token": page_token(client)},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/desk"
    assert client.get("/desk").status_code == 200


def test_the_login_form_never_sends_staff_to_another_site(client, credentials):
    response = client.post(
        "/login?next=//evil.example/",
        data={"username": "anna", "password": PASSWORD, "csrf_token": page_token(client)},
    )

    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_a_wrong_password_on_the_login_form_is_401(client, credentials):
    response = client.post(
        "/login", data={"username": "anna", "password": "nope", "csrf_token": page_token(client)}
    )

    assert response.status_code == 401
    assert client.get("/desk").status_code == 302
