"""The visitor's phone page: the place while waiting, a call that cannot be missed, and a way
out of the queue that asks first."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_accessible, issue_ticket

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def open_phone(new_context, ticket: dict, **options) -> Page:
    phone = new_context(**PHONE, **options).new_page()
    phone.goto(f"/t/{ticket['id']}")
    expect(phone.locator("html")).to_have_attribute("data-following", ticket["id"])
    return phone


def test_the_call_takes_the_screen_the_title_and_the_screen_reader(
    new_context, live_server, credentials, staff_api
):
    ahead = issue_ticket(live_server, credentials.kiosk_token, language="en")
    mine = issue_ticket(live_server, credentials.kiosk_token, language="en")
    phone = open_phone(new_context, mine)
    expect(phone.locator("#position")).to_have_text("2")
    expect(phone.locator("#eta")).to_have_text(re.compile(r"\d|next|estimated"))
    expect(phone.locator("#call")).to_be_hidden()
    assert_accessible(phone)

    clerk = staff_api("anna")
    assert clerk.post("/desks/1/call-next").json()["id"] == ahead["id"]
    # The place moves up, and a screen reader hears it without the page being touched.
    expect(phone.locator("#position")).to_have_text("1")
    expect(phone.locator("#announce-polite")).to_contain_text("Position 1")

    assert clerk.post("/desks/2/call-next").json()["id"] == mine["id"]

    expect(phone.locator("#call")).to_be_visible()
    expect(phone.locator("#call-desk")).to_have_text("2")
    expect(phone.locator("#status")).to_have_attribute("data-status", "called")
    expect(phone).to_have_title(re.compile(r"^▶ .*2"))
    expect(phone.locator("#announce-now")).to_contain_text("desk 2")
    expect(phone.locator("html")).to_have_attribute("data-alerted", "1")
    expect(phone.locator("#actions")).to_be_hidden()
    assert_accessible(phone)

    # A recall says so, and alerts again.
    assert clerk.post(f"/tickets/{mine['id']}/recall").status_code == 200
    expect(phone.locator("#recalled")).to_be_visible()
    expect(phone.locator("html")).to_have_attribute("data-alerted", "2")


def test_a_missed_call_says_what_to_do_and_until_when(
    new_context, live_server, credentials, staff_api
):
    ticket = issue_ticket(live_server, credentials.kiosk_token, language="en")
    phone = open_phone(new_context, ticket)
    clerk = staff_api("anna")
    clerk.post("/desks/1/call-next")
    expect(phone.locator("#call")).to_be_visible()

    assert clerk.post(f"/tickets/{ticket['id']}/no-show").status_code == 200

    expect(phone.locator("#status")).to_have_attribute("data-status", "no_show")
    expect(phone.locator("#call")).to_be_hidden()
    expect(phone.locator("#note")).to_contain_text(re.compile(r"until \d\d:\d\d"))
    # The same words after a reload, from the server's own record of the miss.
    phone.reload()
    expect(phone.locator("#note")).to_contain_text(re.compile(r"until \d\d:\d\d"))
    assert_accessible(phone)


def test_leaving_the_queue_asks_first_then_frees_the_place(
    new_context, live_server, credentials, staff_api
):
    ticket = issue_ticket(live_server, credentials.kiosk_token, language="uk")
    phone = open_phone(new_context, ticket, locale="uk-UA")
    expect(phone.locator("html")).to_have_attribute("lang", "uk")

    phone.locator("#leave").click()
    confirm = phone.get_by_role("alertdialog")
    expect(confirm).to_be_visible()
    assert_accessible(phone)
    phone.locator("#leave-no").click()
    expect(confirm).to_be_hidden()
    clerk = staff_api("anna")
    assert clerk.get(f"/tickets/{ticket['id']}").json()["status"] == "waiting"

    phone.locator("#leave").click()
    phone.locator("#leave-yes").click()

    expect(phone.locator("#status")).to_have_attribute("data-status", "cancelled")
    expect(phone.locator("#actions")).to_be_hidden()
    expect(phone.locator("#note")).not_to_be_empty()
    assert clerk.get(f"/tickets/{ticket['id']}").json()["status"] == "cancelled"
    # The next visitor in line is called; the one who left is not.
    assert clerk.post("/desks/1/call-next").status_code == 204
    assert_accessible(phone)


def test_the_phone_page_switches_language_by_name(new_context, live_server, credentials):
    ticket = issue_ticket(live_server, credentials.kiosk_token, language="uk")
    phone = open_phone(new_context, ticket)
    expect(phone.locator("html")).to_have_attribute("lang", "uk")

    phone.get_by_role("link", name="Polski").click()

    expect(phone.locator("html")).to_have_attribute("lang", "pl")
    expect(phone.get_by_role("link", name="Polski")).to_have_attribute("aria-current", "true")
    expect(phone.locator("#leave")).to_have_text("Opuść kolejkę")
