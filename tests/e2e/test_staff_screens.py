"""The screens staff and the hall see: the hall display, the desk console, the supervisor's
tablet. Each is driven in a real browser against the live server; calls and alerts made
elsewhere must show up live, without reloading."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import issue_ticket, sign_in_page, wait_until_live


def mark_page(page) -> None:
    """Mark the page's window, so a test can tell that it was never reloaded."""
    page.evaluate("() => { window.notReloaded = true; }")


def assert_not_reloaded(page) -> None:
    assert page.evaluate("() => window.notReloaded === true"), f"{page.url} was reloaded"


def test_hall_display_shows_called_numbers_live_newest_first(
    new_context, live_server, credentials, staff_api
):
    display = new_context(viewport={"width": 1920, "height": 1080}).new_page()
    display.goto(f"/display?token={credentials.display_token}")
    assert display.url == live_server.url + "/display"
    wait_until_live(display)
    rows = display.locator("#calls tr")
    expect(display.locator("#now-empty")).to_be_visible()
    mark_page(display)

    first = issue_ticket(live_server, credentials.kiosk_token, language="uk")
    second = issue_ticket(live_server, credentials.kiosk_token)
    assert (first["number"], second["number"]) == ("A001", "A002")

    called = staff_api("anna").post("/desks/1/call-next")
    assert called.status_code == 200, called.text
    expect(display.locator("#now-number")).to_have_text("A001")
    expect(display.locator("#now-desk")).to_have_text("1")

    called = staff_api("marek").post("/desks/2/call-next")
    assert called.status_code == 200, called.text
    expect(display.locator("#now-number")).to_have_text("A002")
    expect(display.locator("#now-desk")).to_have_text("2")
    expect(rows).to_have_count(1)
    expect(rows.nth(0).locator("td")).to_have_text(["A001", "1"])

    # Numbers and desks only: the hall must not learn anything else about a visitor.
    expect(display.locator("#recent thead th")).to_have_text(["Number", "Desk"])
    expect(rows.nth(0).locator("td")).to_have_count(2)
    assert_not_reloaded(display)


def test_clerk_calls_finishes_and_alerts_from_the_desk_console(
    new_context, live_server, credentials, staff_api
):
    desk = new_context().new_page()
    desk.goto("/desk")
    expect(desk).to_have_url(live_server.url + "/login?next=/desk")
    sign_in_page(desk, "anna")
    expect(desk).to_have_url(live_server.url + "/desk")
    wait_until_live(desk)
    desk.get_by_label("Desk", exact=True).select_option("1")

    issue_ticket(live_server, credentials.kiosk_token, language="uk", needs=["hearing"])
    desk.get_by_role("button", name="Call next").click()
    expect(desk.locator("#number")).to_have_text("A001")
    expect(desk.locator("#language")).to_have_text("Українська")
    expect(desk.locator("#needs")).to_have_text("Hearing")
    expect(desk.get_by_role("button", name="Finish")).to_be_enabled()

    desk.get_by_role("button", name="Finish").click()
    expect(desk.locator("#visitor-empty")).to_be_visible()
    expect(desk.get_by_role("button", name="Finish")).to_be_disabled()

    desk.get_by_role("button", name="Call next").click()
    expect(desk.locator("#message")).to_have_text("Nobody is waiting for this desk.")
    expect(desk.locator("#visitor-empty")).to_be_visible()

    desk.locator("#alert-panel").get_by_role("button", name="Aggression").click()
    expect(desk.locator("#alert-banner")).to_contain_text("Help is called")
    state = staff_api("marek").get("/state")
    assert state.status_code == 200, state.text
    [alert] = state.json()["alerts"]
    assert (alert["desk"], alert["raised_by"], alert["status"]) == (1, "anna", "raised")
    assert alert["kind"] == "aggression"


def test_supervisor_sees_a_clerks_alert_live_and_acknowledges_it(
    new_context, live_server, credentials, staff_api
):
    tablet = new_context(viewport={"width": 1024, "height": 768}).new_page()
    sign_in_page(tablet, "marek", next_path="/supervisor")
    expect(tablet).to_have_url(live_server.url + "/supervisor")
    wait_until_live(tablet)
    expect(tablet.get_by_text("No open alerts.")).to_be_visible()
    mark_page(tablet)

    desk = new_context().new_page()
    sign_in_page(desk, "anna", next_path="/desk")
    wait_until_live(desk)
    desk.get_by_label("Desk", exact=True).select_option("2")
    # Long-wait alerts are the system's to raise, not a choice at the desk.
    kinds = desk.locator("#alert-panel button[data-kind]")
    expect(kinds).to_have_text(["Aggression"])
    kinds.first.click()

    alert = tablet.locator("#alerts li")
    expect(alert).to_have_count(1)
    expect(alert.locator("h3")).to_have_text("Aggression · Desk 2")
    expect(alert).to_contain_text("Waiting for someone")
    expect(tablet.get_by_text("No open alerts.")).to_be_hidden()

    alert.get_by_role("button", name="On my way").click()
    expect(alert).to_have_attribute("data-status", "acknowledged")
    expect(alert).to_contain_text("marek is on the way")
    expect(alert.get_by_role("button", name="On my way")).to_have_count(0)
    [seen] = staff_api("anna").get("/state").json()["alerts"]
    assert (seen["status"], seen["acknowledged_by"]) == ("acknowledged", "marek")
    assert_not_reloaded(tablet)
