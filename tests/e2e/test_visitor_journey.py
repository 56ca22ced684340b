"""A visitor's path: the paired kiosk, in Ukrainian, gives a ticket; the phone page follows it
live until a clerk calls it."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_visitor_takes_a_ticket_in_ukrainian_and_follows_it_on_the_phone(
    new_context, live_server, credentials, staff_api
):
    kiosk = new_context().new_page()
    kiosk.goto(f"/kiosk?token={credentials.kiosk_token}")
    # Pairing moves the token into a cookie and cleans the address.
    assert kiosk.url == live_server.url + "/kiosk"
    assert credentials.kiosk_token not in kiosk.url

    shown = ".kiosk-panel:not([hidden]) .step:not([hidden])"
    kiosk.get_by_role("button", name="Українська").click()
    expect(kiosk.locator("html")).to_have_attribute("lang", "uk")
    expect(kiosk.get_by_role("button", name="Українська")).to_have_attribute("aria-pressed", "true")
    kiosk.locator(f"{shown} [data-service=ids]").click()
    kiosk.locator(f"{shown}").get_by_role("button", name="Hearing (uk)").click()
    kiosk.locator(f"{shown} [data-action=needs-done]").click()
    kiosk.locator(f"{shown} [data-action=no-priority]").click()

    ticket = kiosk.locator(shown)
    expect(kiosk.locator("html")).to_have_attribute("data-step", "ticket")
    expect(ticket.locator("[data-field=number]")).to_have_text("A001")
    expect(ticket.locator("[data-field=ahead]")).to_have_text("0")
    expect(ticket.locator("[data-field=eta]")).not_to_be_empty()

    qr = ticket.get_by_role("img")
    expect(qr).to_have_attribute("src", re.compile(r"^/t/[^/]+/qr\.svg$"))
    kiosk.wait_for_function(
        "() => [...document.querySelectorAll('[data-field=qr]')].some((i) => i.naturalWidth > 0)"
    )
    src = qr.get_attribute("src")
    svg = kiosk.request.get(src)
    assert svg.ok
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.body()
    ticket_id = src.split("/")[2]

    # The visitor's phone: a different device, no cookies from the kiosk.
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    phone.goto(f"/t/{ticket_id}")
    expect(phone.locator("#number")).to_have_text("A001")
    expect(phone.get_by_text("IDs (uk)")).to_have_attribute("lang", "uk")
    expect(phone.locator("#status")).to_have_attribute("data-status", "waiting")
    expect(phone.locator("#position")).to_have_text("1")
    # The page follows the ticket over its live connection before the clerk calls.
    expect(phone.locator("html")).to_have_attribute("data-following", ticket_id)
    phone.evaluate("() => { window.notReloaded = true; }")

    clerk = staff_api("anna")
    called = clerk.post("/desks/1/call-next")
    assert called.status_code == 200, called.text
    assert called.json()["id"] == ticket_id

    expect(phone.locator("#status")).to_have_attribute("data-status", "called")
    expect(phone.locator("#call-desk")).to_have_text("1")
    expect(phone.locator("#position")).to_have_text("–")
    assert phone.evaluate("() => window.notReloaded === true"), "the phone page reloaded"
