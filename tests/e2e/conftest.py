"""Browser fixtures: Debian's Chromium driven by Playwright against the live server, staff
sessions for the JSON API, and the axe-core accessibility check.

Chromium is never downloaded: it is the system one (FRONTDESK_CHROMIUM, default
/usr/bin/chromium), started headless without sandbox or any background networking.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.support._util import INSTALL_HINT
from tests.support.web import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("FRONTDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every wait is bounded: a live update that has not arrived by then is a failure.
TIMEOUT_MS = 10_000
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (set FRONTDESK_CHROMIUM); {INSTALL_HINT}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_context(browser: Browser, live_server) -> Iterator[Callable[..., BrowserContext]]:
    """Opens a fresh browser profile (its own cookies) on the live server; each one is a
    separate device: the kiosk, a visitor's phone, the hall display, a clerk's PC."""
    opened: list[BrowserContext] = []

    def open_context(**options) -> BrowserContext:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        # Staff screens in English, whatever the host's locale (the kiosk switches itself).
        options.setdefault("locale", "en-GB")
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


def sign_in_page(page: Page, username: str, next_path: str | None = None) -> None:
    """Sign in through the login form, as a person would: on the form the page was sent to,
    or on /login?next=NEXT_PATH."""
    if next_path is not None:
        page.goto(f"/login?next={next_path}")
    elif "/login" not in page.url:
        page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def wait_until_live(page: Page) -> None:
    """Wait until the screen's live connection is up and its snapshot shown, so that what
    happens next reaches it as a live event (frontdesk.js sets <html data-live>)."""
    expect(page.locator("html")).to_have_attribute("data-live", "ready")


class StaffApi:
    """A staff member's JSON API session against the live server (`requests`)."""

    def __init__(self, base_url: str, username: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.http.headers["Accept"] = "application/json"
        response = self.post("/session", {"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        # A cookie session sends its CSRF token with every write, as the pages do.
        self.http.headers["X-CSRFToken"] = response.json()["csrf_token"]

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base_url + "/api/v1" + path, timeout=10)

    def post(self, path: str, body: dict | None = None) -> requests.Response:
        return self.http.post(self.base_url + "/api/v1" + path, json=body, timeout=10)

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def staff_api(live_server, credentials) -> Iterator[Callable[[str], StaffApi]]:
    """staff_api("anna") → a signed-in API session; all are closed after the test."""
    sessions: list[StaffApi] = []

    def open_session(username: str) -> StaffApi:
        api = StaffApi(live_server.url, username)
        sessions.append(api)
        return api

    yield open_session
    for api in sessions:
        api.close()


def issue_ticket(
    live_server, token: str, service: str = "ids", language: str = "pl", needs=()
) -> dict:
    """A ticket taken at the kiosk, through the API with the kiosk's token."""
    with requests.Session() as http:
        response = http.post(
            live_server.url + "/api/v1/tickets",
            json={"service": service, "language": language, "needs": list(needs), "print": False},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
    assert response.status_code == 201, response.text
    return response.json()


def assert_accessible(page: Page) -> None:
    """axe-core's WCAG 2.1 A/AA rules find nothing on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}); {INSTALL_HINT}")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the pages' CSP forbids injected <script>s.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("(tags) => axe.run(document, {runOnly: tags})", WCAG)
    violations = results["violations"]
    if violations:
        report = []
        for violation in violations:
            report.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"]:
                summary = node["failureSummary"].replace("\n", "\n      ")
                report.append(f"    at {json.dumps(node['target'])}:\n      {summary}")
        pytest.fail(f"axe-core found violations on {page.url}:\n" + "\n".join(report))
