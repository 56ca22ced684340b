"""Accessibility: every screen passes axe-core's WCAG 2.1 A/AA rules in the states people see,
the kiosk works with the keyboard alone and shows where the focus is (its steps' sizes and axe
checks are in test_kiosk.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_accessible, issue_ticket, sign_in_page


def paired_kiosk(new_context, token: str) -> Page:
    kiosk = new_context().new_page()
    kiosk.goto(f"/kiosk?token={token}")
    expect(kiosk.locator("html")).to_have_attribute("data-kiosk", "ready")
    return kiosk


def assert_focus_ring(page: Page) -> None:
    """The focused element draws a visible outline (keyboard focus, :focus-visible)."""
    ring = page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                visible: el.matches(':focus-visible'),
                style: style.outlineStyle,
                width: parseFloat(style.outlineWidth),
            };
        }"""
    )
    assert ring["visible"] and ring["style"] != "none" and ring["width"] >= 2, ring


def tab_until(page: Page, selector: str, limit: int = 25) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} not reached with {limit} presses of Tab")


def test_kiosk_works_with_the_keyboard_alone(new_context, credentials):
    kiosk = paired_kiosk(new_context, credentials.kiosk_token)
    shown = ".kiosk-panel:not([hidden]) .step:not([hidden])"

    def settled() -> None:
        # A new step's buttons wait out a double tap before they take the focus.
        expect(kiosk.locator("html")).not_to_have_attribute("data-guard", "on")

    tab_until(kiosk, f"{shown} [data-service=cars]")
    assert_focus_ring(kiosk)
    kiosk.keyboard.press("Enter")
    # The focus follows the visitor to each new step's question.
    expect(kiosk.locator(f"{shown} h1")).to_be_focused()
    settled()
    tab_until(kiosk, f"{shown} [data-action=no-needs]")
    assert_focus_ring(kiosk)
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator(f"{shown} h1")).to_be_focused()
    settled()
    tab_until(kiosk, f"{shown} [data-action=no-priority]")
    kiosk.keyboard.press("Enter")

    expect(kiosk.locator(f"{shown} [data-field=number]")).to_have_text("B001")
    expect(kiosk.locator(f"{shown} h1")).to_be_focused()
    settled()
    tab_until(kiosk, f"{shown} [data-action=done]")
    assert_focus_ring(kiosk)


def test_public_pages_pass_axe(page, live_server, credentials):
    for path in ("/start", "/login"):
        page.goto(path)
        assert_accessible(page)

    ticket = issue_ticket(live_server, credentials.kiosk_token, language="uk", needs=["hearing"])
    page.goto(f"/t/{ticket['id']}")
    expect(page.locator("#status")).to_have_attribute("data-status", "waiting")
    assert_accessible(page)


def test_hall_display_passes_axe(new_context, live_server, credentials, staff_api):
    issue_ticket(live_server, credentials.kiosk_token)
    assert staff_api("anna").post("/desks/1/call-next").status_code == 200
    display = new_context().new_page()
    display.goto(f"/display?token={credentials.display_token}")
    expect(display.locator("#now-number")).to_have_text("A001")
    assert_accessible(display)


def test_staff_screens_pass_axe(new_context, live_server, credentials, staff_api):
    issue_ticket(live_server, credentials.kiosk_token, needs=["hearing"])
    desk = new_context().new_page()
    sign_in_page(desk, "anna", next_path="/desk")
    expect(desk.locator("#queues tr")).to_have_count(3)
    assert_accessible(desk)
    desk.get_by_role("button", name="Call next").click()
    expect(desk.locator("#number")).to_have_text("A001")
    desk.locator("#alert-panel").get_by_role("button", name="Aggression").click()
    expect(desk.locator("#alert-banner")).to_be_visible()
    assert_accessible(desk)

    supervisor = new_context().new_page()
    sign_in_page(supervisor, "marek", next_path="/supervisor")
    expect(supervisor.locator("#alerts li")).to_have_count(1)
    expect(supervisor.locator("#desks tr")).to_have_count(4)
    assert_accessible(supervisor)
