"""The desk console with two clerks at two desks, in Chromium at a clerk's 1366×768: every
action through the screen, the next-up card, needs routed to the capable desk and the warning
when none works, desk ownership refused in words, a transfer that keeps the place, an
out-of-order call refused without a reason; axe finds nothing; the screenshots for the docs."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from frontdesk.services import staff
from tests.e2e.conftest import assert_accessible, issue_ticket, sign_in_page, wait_until_live
from tests.support.core import names, office_settings
from tests.support.web import ADMIN, PASSWORD

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CLERK_PC = {"width": 1366, "height": 768}


@pytest.fixture
def web_settings(tmp_path):
    return office_settings(
        printer={"backend": "file", "path": str(tmp_path / "printer.bin")},
        desks=[
            {
                "number": 1,
                "name": "Desk 1",
                "services": ["ids", "cars"],
                "features": ["step_free", "induction_loop"],
            },
            {"number": 2, "name": "Desk 2", "services": ["ids", "cars"]},
            {"number": 4, "name": "Cashier", "services": ["cash"]},
        ],
        needs=[
            {
                "id": "mobility",
                "names": names("Limited mobility"),
                "feature": "step_free",
                "instructions": names("Offer a chair"),
                "without_feature": names("Go to the visitor in the hall"),
            },
            {
                "id": "hearing",
                "names": names("Hard of hearing"),
                "feature": "induction_loop",
                "instructions": names("Switch the induction loop on"),
            },
        ],
        break_reasons=[{"id": "lunch", "names": names("Lunch")}],
        finish_outcomes=[
            {"id": "done", "names": names("Matter settled")},
            {"id": "documents_missing", "names": names("Documents missing")},
        ],
    )


@pytest.fixture
def bob(web_core, credentials):
    staff.add_user(web_core, ADMIN, "bob", "clerk", PASSWORD)
    return "bob"


def console(new_context, user: str, desk: int) -> Page:
    page = new_context(viewport=CLERK_PC).new_page()
    sign_in_page(page, user, next_path="/desk")
    wait_until_live(page)
    page.get_by_label("Desk", exact=True).select_option(str(desk))
    return page


def fits_without_scrolling(page: Page) -> None:
    size = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
        " innerWidth, innerHeight]"
    )
    assert size[0] <= size[2] and size[1] <= size[3], f"scrolls: {size}"


def test_two_clerks_work_two_desks_through_every_action(
    new_context, live_server, credentials, bob, staff_api, clock
):
    kiosk = credentials.kiosk_token
    mobility = issue_ticket(live_server, kiosk, language="uk", needs=["mobility"])
    clock.advance(minutes=2)
    plain = issue_ticket(live_server, kiosk, language="en")
    clock.advance(minutes=2)
    issue_ticket(live_server, kiosk, service="cars")
    clock.advance(minutes=3)

    anna = console(new_context, "anna", 1)
    anna.get_by_role("button", name="Open desk").click()
    expect(anna.locator("#desk-state")).to_have_text("Open: anna")
    bobs = console(new_context, "bob", 2)
    bobs.get_by_role("button", name="Open desk").click()

    # Next up: the visitor who needs step-free access is left to desk 1, the only one with it.
    expect(anna.locator("#next-body")).to_contain_text(mobility["number"])
    expect(bobs.locator("#next-body")).to_contain_text(plain["number"])
    fits_without_scrolling(bobs)
    assert_accessible(bobs)

    # One clerk per open desk, said in words.
    anna.get_by_label("Desk", exact=True).select_option("2")
    expect(anna.locator("#desk-state")).to_have_text(
        "Open for bob: you cannot use it until it is closed."
    )
    anna.get_by_role("button", name="Open desk").click()
    expect(anna.locator("#message")).to_have_text(
        "Desk 2 is open for bob. They close it first, or a supervisor takes it over."
    )
    anna.get_by_label("Desk", exact=True).select_option("1")

    # Call next with the keyboard; the card says who, in which language, and for how long.
    bobs.keyboard.press("n")
    expect(bobs.locator("#number")).to_have_text(plain["number"])
    expect(bobs.locator("#language")).to_have_text("English")
    expect(bobs.locator("#service")).to_have_text("A · IDs")
    expect(bobs.locator("#waited")).to_have_text("5 min")
    # Another desk's visitor is not anna's to finish.
    refused = staff_api("anna").post(f"/tickets/{plain['id']}/finish")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_desk"

    recall = bobs.get_by_role("button", name="Recall")
    recall.click()
    expect(recall).to_contain_text("(1 of 2)")
    bobs.get_by_role("button", name="Start").click()
    expect(bobs.locator("#status")).to_have_text("Being served")

    # Transfer keeps the place, and the screen says so in the visitor's language too.
    bobs.get_by_role("button", name="Transfer").click()
    dialog = bobs.get_by_role("dialog")
    dialog.get_by_label("Send to").select_option(label="B · Cars")
    dialog.get_by_role("button", name="Transfer").click()
    # Taken before B001, the visitor goes ahead of it in the cars line.
    expect(dialog.locator("#transfer-done blockquote[lang=en]")).to_contain_text(
        "You keep your place in the queue: you are number 1."
    )
    expect(dialog.locator("#transfer-done blockquote[lang=pl]")).to_contain_text(
        "jest Pan/Pani numerem 1"
    )
    fits_without_scrolling(bobs)
    assert_accessible(bobs)
    bobs.screenshot(path=SHOTS / "desk-transfer.png")
    dialog.get_by_role("button", name="Close").click()

    # Out of order: refused without a reason, called with one.
    bobs.get_by_role("button", name="Call out of order").click()
    dialog = bobs.get_by_role("dialog")
    later = dialog.locator("#ooo-ticket option", has_text="B001").get_attribute("value")
    dialog.get_by_label("Visitor").select_option(later)
    dialog.get_by_role("button", name="Call this visitor").click()
    expect(dialog.get_by_role("alert")).to_contain_text(
        "is not one of the office's reasons for calling out of turn"
    )
    dialog.get_by_label("Reason").select_option(label="Appointment")
    dialog.get_by_role("button", name="Call this visitor").click()
    expect(dialog).to_be_hidden()
    expect(bobs.locator("#number")).to_have_text("B001")

    # No-show, then reinstated from the list of the window's no-shows.
    bobs.get_by_role("button", name="No-show").click()
    expect(bobs.locator("#visitor-empty")).to_be_visible()
    bobs.get_by_text("No-shows to reinstate").click()
    bobs.locator("#no-shows").get_by_role("button", name="Reinstate").click()
    expect(bobs.locator("#no-show-count")).to_have_text("0")

    # Anna's visitor: the needs with what to do, then finish with an outcome.
    anna.get_by_role("button", name="Call next").click()
    expect(anna.locator("#number")).to_have_text(mobility["number"])
    expect(anna.locator("#needs")).to_have_text("Limited mobilityOffer a chair")
    expect(anna.locator("#lacks")).to_be_hidden()
    anna.get_by_label("Outcome").select_option(label="Documents missing")
    anna.keyboard.press("f")
    expect(anna.locator("#visitor-empty")).to_be_visible()

    # A break: the desk is away, and the board knows why.
    anna.get_by_role("button", name="Break").click()
    expect(anna.locator("#desk-state")).to_contain_text("On a break (Lunch)")
    desks = {d["number"]: d for d in staff_api("marek").get("/state").json()["desks"]}
    assert desks[1]["paused"] and desks[1]["break_reason"] == "lunch"


def test_with_no_capable_desk_working_the_clerk_is_told_what_is_missing(
    new_context, live_server, credentials, bob
):
    kiosk = credentials.kiosk_token
    needing = issue_ticket(live_server, kiosk, language="uk", needs=["mobility", "hearing"])
    bobs = console(new_context, "bob", 2)
    bobs.get_by_role("button", name="Open desk").click()
    expect(bobs.locator("#next-body .warning")).to_have_text(
        "This desk lacks: induction loop, step-free access. No desk that has it is working now."
    )
    bobs.get_by_role("button", name="Call next").click()
    expect(bobs.locator("#number")).to_have_text(needing["number"])
    expect(bobs.locator("#lacks")).to_be_visible()
    expect(bobs.locator("#needs")).to_contain_text("Go to the visitor in the hall")

    # A demand to go first: logged in one tap, with the phrase in Polish and Ukrainian.
    bobs.get_by_role("button", name="Demand to go first").click()
    expect(bobs.locator("#phrase blockquote[lang=pl]")).to_contain_text("Kolejność ustala system")
    expect(bobs.locator("#phrase blockquote[lang=uk]")).to_contain_text("Порядок визначає система")
    expect(bobs.locator("#phrase .rules li")).to_have_count(2)
    fits_without_scrolling(bobs)
    assert_accessible(bobs)
    bobs.screenshot(path=SHOTS / "desk-console.png")


def test_the_console_in_polish_fits_the_screen_and_passes_axe(
    new_context, live_server, credentials, clock
):
    kiosk = credentials.kiosk_token
    issue_ticket(live_server, kiosk, language="uk", needs=["hearing"])
    clock.advance(minutes=12)
    page = new_context(viewport=CLERK_PC).new_page()
    sign_in_page(page, "anna", next_path="/desk")
    page.goto("/desk?lang=pl")
    wait_until_live(page)
    page.get_by_label("Stanowisko", exact=True).select_option("1")
    page.get_by_role("button", name="Otwórz stanowisko").click()
    # The console takes one action at a time: Call next waits until the desk shows as open.
    expect(page.locator("#desk-state")).to_contain_text("anna")
    page.get_by_role("button", name="Wywołaj następny numer").click()
    expect(page.locator("#needs")).to_contain_text("Switch the induction loop on (pl)")
    page.get_by_role("button", name="Długie czekanie").click()
    expect(page.locator("#phrase blockquote[lang=uk]")).to_contain_text("Дякую за терпіння")
    fits_without_scrolling(page)
    assert_accessible(page)
    page.screenshot(path=SHOTS / "desk-console-pl.png")
