"""Accessibility: every screen passes axe-core's WCAG 2.1 A/AA rules in the states people see,
the kiosk works with the keyboard alone and shows where the focus is, and its buttons are big
enough to hit with a finger."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_accessible, issue_ticket, sign_in_page

MIN_TARGET_PX = 48  # WCAG 2.5.5 asks 44; the kiosk promises more.


def paired_kiosk(new_context, token: str) -> Page:
    kiosk = new_context().new_page()
    kiosk.goto(f"/kiosk?token={token}")
    expect(kiosk.locator("#issue")).to_be_visible()
    return kiosk


def take_ticket(kiosk: Page) -> None:
    kiosk.locator("#issue button[type=submit]").click()
    expect(kiosk.locator("#ticket")).to_be_visible()
    expect(kiosk.locator("#number")).not_to_be_empty()
    kiosk.wait_for_function("() => document.getElementById('qr').naturalWidth > 0")


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

    tab_until(kiosk, "input[name=service]")
    assert_focus_ring(kiosk)
    kiosk.keyboard.press("ArrowDown")  # moves within the radio group: service B
    kiosk.keyboard.press("Space")
    expect(kiosk.locator("input[name=service][value=cars]")).to_be_focused()
    expect(kiosk.locator("input[name=service][value=cars]")).to_be_checked()

    tab_until(kiosk, "#issue button[type=submit]")
    assert_focus_ring(kiosk)
    kiosk.keyboard.press("Enter")

    expect(kiosk.locator("#number")).to_have_text("B001")
    # The focus follows the visitor to the ticket, not lost on a hidden form.
    expect(kiosk.locator("#ticket")).to_be_focused()
    tab_until(kiosk, "#ticket a.button")
    assert_focus_ring(kiosk)


def test_kiosk_touch_targets_are_large(new_context, credentials):
    kiosk = paired_kiosk(new_context, credentials.kiosk_token)
    targets = "button, a.button, label.choice"

    def small_targets() -> list[str]:
        small = []
        for target in kiosk.locator(targets).all():
            if not target.is_visible():
                continue
            box = target.bounding_box()
            assert box is not None
            if box["width"] < MIN_TARGET_PX or box["height"] < MIN_TARGET_PX:
                small.append(f"{target.inner_text()!r}: {box['width']}×{box['height']}")
        return small

    assert kiosk.locator("#issue button").count() == 1
    assert not small_targets(), small_targets()
    take_ticket(kiosk)
    assert kiosk.locator("#ticket a.button").is_visible()
    assert not small_targets(), small_targets()


def test_kiosk_passes_axe_before_and_after_a_ticket(new_context, credentials):
    kiosk = paired_kiosk(new_context, credentials.kiosk_token)
    assert_accessible(kiosk)
    take_ticket(kiosk)
    assert_accessible(kiosk)


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
    desk.get_by_role("button", name="Alert supervisor").click()
    expect(desk.get_by_role("status")).not_to_be_empty()
    assert_accessible(desk)

    supervisor = new_context().new_page()
    sign_in_page(supervisor, "marek", next_path="/supervisor")
    expect(supervisor.locator("#alerts li")).to_have_count(1)
    expect(supervisor.locator("#desks tr")).to_have_count(4)
    assert_accessible(supervisor)
