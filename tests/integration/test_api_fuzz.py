"""schemathesis against `frontdesk serve` on 127.0.0.1, from the OpenAPI document it serves:
every operation, with valid and invalid requests, as an anonymous caller, a kiosk and a display
(bearer tokens), a clerk and a supervisor (session cookie and CSRF token). No answer may be a
server error, and every answer must be one the document declares, JSON errors of its shape.

Bounded and repeatable: EXAMPLES requests per operation, mode and caller, derandomized (the
same requests on every run; set FRONTDESK_FUZZ_SEED to explore others, FRONTDESK_FUZZ_EXAMPLES
for more of them)."""

from __future__ import annotations

import os
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from frontdesk.api import openapi
from tests.support.served import OfficeFolder, Server

EXAMPLES = int(os.environ.get("FRONTDESK_FUZZ_EXAMPLES", "10"))
SEED = os.environ.get("FRONTDESK_FUZZ_SEED")
PASSWORD = "fuzz-test-password"
CALLERS = ("anonymous", "kiosk", "display", "clerk", "supervisor")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Limits off for the fuzz: a 429 would end the search of an operation after a few requests.
NO_LIMITS = {
    'ticket_issue = "60 per minute"': 'ticket_issue = "100000 per minute"',
    'ticket_lookup = "120 per minute"': 'ticket_lookup = "100000 per minute"',
}


class Fuzzed:
    def __init__(self, server: Server, office: OfficeFolder):
        self.url = server.url
        self.schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
        self.callers = {"anonymous": requests.Session()}
        for role in ("kiosk", "display"):
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {office.token(role)}"
            self.callers[role] = session
        for role in ("clerk", "supervisor"):
            office.user(f"fuzz-{role}", role, PASSWORD)
            self.callers[role] = self.sign_in(f"fuzz-{role}")
            # Signing out ends every session of the account: it is fuzzed on an account of
            # its own, so the sessions the other operations use stay signed in.
            office.user(f"fuzz-{role}-leaving", role, PASSWORD)
        self.statuses: Counter = Counter()
        # Ids that exist: most random ones name nothing and stop at a 404.
        self.ticket_ids: list[str] = []
        self.alert_ids: list[int] = []

    def sign_in(self, username: str) -> requests.Session:
        session = requests.Session()
        response = session.post(
            f"{self.url}/api/v1/session",
            json={"username": username, "password": PASSWORD},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        session.headers["X-CSRFToken"] = response.json()["csrf_token"]
        return session


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    office = OfficeFolder(tmp_path_factory.mktemp("fuzz"), replace=NO_LIMITS)
    office.run("db", "upgrade")
    with Server(office) as server:
        fuzzed = Fuzzed(server, office)
        # Something to find: waiting tickets, a desk open with a called one, an open alert.
        kiosk, clerk = fuzzed.callers["kiosk"], fuzzed.callers["clerk"]
        api = f"{server.url}/api/v1"
        for service in ("registration", "registration", "id_collection", "vehicles"):
            fuzzed.ticket_ids.append(
                kiosk.post(
                    f"{api}/tickets",
                    json={"service": service, "language": "pl", "print": False},
                    timeout=30,
                ).json()["id"]
            )
        for step in ("open", "call-next"):
            clerk.post(f"{api}/desks/1/{step}", timeout=30).raise_for_status()
        alert = clerk.post(f"{api}/alerts", json={"desk": 1, "kind": "help"}, timeout=30)
        fuzzed.alert_ids.append(alert.json()["id"])
        yield fuzzed
    print("answers by status:", dict(sorted(fuzzed.statuses.items())))
    log = server.log_path.read_text()
    assert "Traceback" not in log, log


OPERATIONS = [
    (path, method) for path, methods in openapi.document()["paths"].items() for method in methods
]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_no_server_error_and_only_declared_answers(fuzzed, path, method, caller):
    signing_out = (path, method) == ("/session", "delete") and caller in ("clerk", "supervisor")
    operation = fuzzed.schema[path][method.upper()]
    modes = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
    strategy = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in modes))
    session = fuzzed.callers[caller]
    existing = {
        "id": fuzzed.alert_ids if path.startswith("/alerts") else fuzzed.ticket_ids,
        "desk": [1, 2, 3],
    }

    @settings(
        max_examples=EXAMPLES,
        derandomize=SEED is None,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, pick=st.integers(0, 7))
    def check(case, pick):
        # Each sign-out example starts signed in, on the account kept for it.
        caller_session = fuzzed.sign_in(f"fuzz-{caller}-leaving") if signing_out else session
        # Half the time, an id or desk that exists in place of the generated one.
        for name, known in existing.items():
            if name in (case.path_parameters or {}) and pick < len(known):
                case.path_parameters[name] = known[pick]
        response = case.call(base_url=f"{fuzzed.url}/api/v1", session=caller_session, timeout=30)
        fuzzed.statuses[(caller, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS)

    if SEED is not None:
        check = seed(int(SEED))(check)
    check()
