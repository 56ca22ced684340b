"""The supervisor's tablet and the desk's call for help, in two browsers (a clerk's PC and a
supervisor's tablet), and building security's tablet once an alert escalates."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import expect

from frontdesk.services import alerts, staff, tickets
from frontdesk.services.core import Actor
from tests.e2e.conftest import assert_accessible, issue_ticket, sign_in_page, wait_until_live
from tests.support.core import KIOSK
from tests.support.web import ADMIN, PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LANDSCAPE = {"width": 1280, "height": 800}
PORTRAIT = {"width": 800, "height": 1280}


@pytest.fixture
def guard(web_core, credentials) -> str:
    staff.add_user(web_core, ADMIN, "jan", "security", PASSWORD)
    return "jan"


def tablet_of(new_context, username: str, viewport=LANDSCAPE):
    tablet = new_context(viewport=viewport, has_touch=True).new_page()
    sign_in_page(tablet, username, next_path="/supervisor")
    wait_until_live(tablet)
    tablet.get_by_role("button", name="Tap to enable sound").click()
    expect(tablet.locator("html")).to_have_attribute("data-sound", "on")
    expect(tablet.get_by_text("Sound is on")).to_be_visible()
    return tablet


def desk_of(new_context, desk: str = "1"):
    page = new_context().new_page()
    sign_in_page(page, "anna", next_path="/desk")
    wait_until_live(page)
    page.get_by_label("Desk", exact=True).select_option(desk)
    return page


def steady_screenshot(page, mask) -> bytes:
    """The page as it looks once the console has finished redrawing (it refreshes itself
    after each live event): two pictures in a row that agree."""
    last = page.screenshot(mask=mask, animations="disabled")
    for _ in range(20):
        page.wait_for_timeout(250)
        now = page.screenshot(mask=mask, animations="disabled")
        if now == last:
            return now
        last = now
    return last


def visible_change(before: bytes, after: bytes) -> tuple | None:
    """Where two pictures differ by more than anti-aliasing does (a few levels at an edge)."""
    difference = ImageChops.difference(
        Image.open(io.BytesIO(before)).convert("L"), Image.open(io.BytesIO(after)).convert("L")
    )
    return difference.point(lambda level: 255 if level > 24 else 0).getbbox()


def panel(desk):
    return desk.locator("#alert-panel")


def test_an_alert_reaches_the_tablet_at_once_rings_until_answered_and_the_desk_sees_who_comes(
    new_context, live_server, credentials, staff_api
):
    tablet = tablet_of(new_context, "marek")
    expect(tablet.locator("html")).to_have_attribute("data-ringing", "")
    desk = desk_of(new_context)
    issue_ticket(live_server, credentials.kiosk_token)
    desk.get_by_role("button", name="Call next").click()
    expect(desk.locator("#number")).to_have_text("A001")

    started = time.monotonic()
    panel(desk).get_by_role("button", name="Aggression").click()
    card = tablet.locator("#alerts li")
    expect(card).to_have_count(1, timeout=1000)
    assert time.monotonic() - started < 1.0
    expect(card.locator("h3")).to_have_text("Aggression · Desk 1")
    expect(card.locator("dl")).to_contain_text("anna")
    expect(card.locator("dl")).to_contain_text("A001")
    expect(tablet.locator("html")).to_have_attribute("data-ringing", "alert")
    # The chime repeats while nobody answers.
    rings = int(tablet.locator("html").get_attribute("data-rings"))
    expect(tablet.locator("html")).not_to_have_attribute("data-rings", str(rings), timeout=6000)
    expect(panel(desk).get_by_role("alert")).to_contain_text("Help is called: Aggression")

    card.get_by_role("button", name="On my way").click()
    expect(card).to_have_attribute("data-status", "acknowledged")
    expect(card).to_contain_text("marek is on the way")
    expect(tablet.locator("html")).to_have_attribute("data-ringing", "")
    expect(panel(desk).get_by_role("alert")).to_contain_text("marek is on the way")
    assert_accessible(tablet)
    tablet.screenshot(path=str(SCREENSHOTS / "supervisor-alert-acknowledged-landscape.png"))


def test_an_unanswered_alert_escalates_to_every_supervisor_and_security_with_the_siren(
    new_context, live_server, credentials, web_core, clock, guard
):
    tablet = tablet_of(new_context, "marek")
    security = tablet_of(new_context, guard, viewport=PORTRAIT)
    desk = desk_of(new_context, "2")
    panel(desk).get_by_role("button", name="Aggression").click()
    expect(tablet.locator("#alerts li")).to_have_count(1)
    # Security is not disturbed by an alert a supervisor may still take.
    expect(security.get_by_text("No open alerts.")).to_be_visible()
    expect(security.locator("html")).to_have_attribute("data-ringing", "")

    clock.advance(seconds=web_core.settings.escalation_seconds)
    assert len(alerts.escalate_due(web_core)) == 1  # what the sweeper does every few seconds
    for screen in (tablet, security):
        card = screen.locator("#alerts li")
        expect(card).to_have_count(1)
        expect(card).to_contain_text("Escalated: nobody answered")
        expect(screen.locator("html")).to_have_attribute("data-ringing", "escalated")
    # A second alert at the same time: both are shown.
    panel(desk).get_by_role("button", name="Aggression").click()
    expect(tablet.locator("#alerts li")).to_have_count(2)
    expect(tablet.locator("#alert-count")).to_have_text("(2)")
    assert_accessible(tablet)
    tablet.screenshot(path=str(SCREENSHOTS / "supervisor-escalated-landscape.png"))
    assert_accessible(security)
    security.screenshot(path=str(SCREENSHOTS / "supervisor-security-portrait.png"))

    security.locator("#alerts li").get_by_role("button", name="On my way").click()
    expect(panel(desk).get_by_role("alert")).to_contain_text("jan is on the way")
    expect(security.locator("html")).to_have_attribute("data-ringing", "")
    # Security answers; only supervisors close the alert and write the report.
    expect(security.get_by_role("button", name="Resolve and write the report")).to_have_count(0)


def test_a_silent_alert_changes_nothing_a_visitor_could_see_at_the_desk(
    new_context, live_server, credentials
):
    tablet = tablet_of(new_context, "marek")
    desk = desk_of(new_context, "3")
    panel(desk).get_by_label("Silent: nothing shows or sounds at this desk").check()
    desk.mouse.move(0, 0)
    quiet = desk.locator("#alert-quiet")
    before = steady_screenshot(desk, [quiet])
    # From the keyboard, so not even a pressed button shows.
    desk.keyboard.press("Control+Alt+1")
    expect(quiet).to_contain_text("✓")
    card = tablet.locator("#alerts li")
    expect(card).to_contain_text("Silent alert: come discreetly")
    assert visible_change(before, steady_screenshot(desk, [quiet])) is None
    expect(panel(desk).get_by_role("alert")).to_be_hidden()

    card.get_by_role("button", name="On my way").click()
    expect(quiet).to_contain_text("→ marek")
    assert visible_change(before, steady_screenshot(desk, [quiet])) is None


def test_resolving_opens_the_prefilled_report_both_complete_it_and_it_is_listed(
    new_context, live_server, credentials
):
    tablet = tablet_of(new_context, "marek")
    desk = desk_of(new_context, "1")
    issue_ticket(live_server, credentials.kiosk_token)
    desk.get_by_role("button", name="Call next").click()
    expect(desk.locator("#number")).to_have_text("A001")
    panel(desk).get_by_role("button", name="Aggression").click()
    card = tablet.locator("#alerts li")
    card.get_by_role("button", name="On my way").click()
    card.get_by_role("button", name="Resolve and write the report").click()

    expect(tablet).to_have_url(live_server.url + "/supervisor/incidents/1")
    facts = tablet.locator("#prefilled")
    expect(facts).to_contain_text("2026-03-02")
    expect(facts).to_contain_text("09:00")
    expect(facts).to_contain_text("A001")
    expect(facts).to_contain_text("anna")
    expect(facts).to_contain_text("Aggression")
    tablet.get_by_label("What happened").fill("The visitor shouted and hit the counter.")
    tablet.get_by_label("Actions taken").fill("Spoke with him away from the desk; he left.")
    tablet.get_by_label("The police were called").check()
    tablet.get_by_role("button", name="Save the report").click()
    expect(tablet.get_by_text("The report is saved.")).to_be_visible()
    assert_accessible(tablet)
    tablet.screenshot(path=str(SCREENSHOTS / "supervisor-incident-report-portrait.png"))

    link = panel(desk).get_by_role("link", name="Add your account to the incident report")
    link.click()
    desk.get_by_label("What was said").fill("He said he would wait for me outside.")
    desk.get_by_role("button", name="Save the report").click()
    expect(desk.get_by_label("What happened")).to_have_value(
        "The visitor shouted and hit the counter."
    )
    expect(desk.get_by_label("The police were called")).to_be_checked()

    tablet.goto("/supervisor/incidents?desk=1")
    rows = tablet.locator("#incidents tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Police")
    assert_accessible(tablet)


def a_morning(core, clock) -> None:
    """A few hours of one desk's work, so the charts have something to show."""
    clerk = Actor("anna", "clerk")
    for hour, arrivals in enumerate((3, 5, 4, 2)):
        for n in range(arrivals):
            tickets.issue_ticket(core, KIOSK, service="cars" if n % 2 else "ids", language="pl")
            clock.advance(minutes=50 // arrivals)
        for _ in range(arrivals - 1):
            called = tickets.call_next(core, clerk, 1)
            if called is None:
                break
            clock.advance(minutes=3)
            tickets.finish(core, clerk, called["id"])
        clock.advance(minutes=10 - hour)
    raised = alerts.raise_alert(core, clerk, desk=1, kind="aggression")
    alerts.resolve(core, Actor("marek", "supervisor"), raised["id"])


def test_the_board_follows_a_call_and_the_reports_page_draws_the_day(
    new_context, live_server, credentials, staff_api, clock, web_core
):
    tablet = tablet_of(new_context, "marek", viewport=PORTRAIT)
    issue_ticket(live_server, credentials.kiosk_token, service="cars")
    issue_ticket(live_server, credentials.kiosk_token)
    clerk = staff_api("anna")
    assert clerk.post("/desks/1/open").status_code == 200
    called = clerk.post("/desks/1/call-next").json()
    row = tablet.locator("#desks tr[data-desk='1']")
    expect(row).to_contain_text("anna")
    expect(row).to_contain_text("Called A001")
    expect(tablet.locator("#queues tr[data-service='cars'] td").nth(1)).to_have_text("1")
    assert_accessible(tablet)
    tablet.screenshot(path=str(SCREENSHOTS / "supervisor-board-portrait.png"), full_page=True)

    assert staff_api("anna").post(f"/tickets/{called['id']}/finish").status_code == 200
    a_morning(web_core, clock)
    tablet.set_viewport_size(LANDSCAPE)
    tablet.goto("/supervisor/reports")
    expect(tablet.locator("#totals dd").first).to_have_text("16")
    expect(tablet.locator(".chart svg")).to_have_count(4)
    assert_accessible(tablet)
    tablet.screenshot(path=str(SCREENSHOTS / "supervisor-reports-landscape.png"), full_page=True)
