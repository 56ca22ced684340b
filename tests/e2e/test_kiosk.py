"""The kiosk as a stranger meets it: step by step, nothing chosen for them, nothing left for
the next visitor, one ticket per tap however the finger or the network behaves."""

from __future__ import annotations

import re
import socket

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.conftest import assert_accessible
from tests.e2e.kiosk_support import SHAPES, open_kiosk
from tests.support.core import office_settings

# Short clocks so the resets can be watched within a test.
KIOSK = {"idle_seconds": 10, "warning_seconds": 3, "ticket_seconds": 5}


def closed_port() -> int:
    """A local port nobody listens on: a printer that is switched off."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def printer_off() -> None:
    """Asked for by a test: the kiosk's printer is a network printer that is switched off."""


@pytest.fixture
def web_settings(request, tmp_path):
    printer = {"backend": "file", "path": str(tmp_path / "printer.bin")}
    if "printer_off" in request.fixturenames:
        printer = {
            "backend": "network",
            "host": "127.0.0.1",
            "port": closed_port(),
            "timeout_seconds": 0.5,
        }
    return office_settings(printer=printer, kiosk=KIOSK)


def waiting(staff_api, code: str = "ids") -> int:
    services = staff_api("anna").get("/services").json()["services"]
    return next(s["waiting"] for s in services if s["code"] == code)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("language", ["pl", "uk", "en"])
def test_a_plain_ticket_in_every_language_and_shape(new_context, credentials, shape, language):
    kiosk = open_kiosk(new_context, credentials.kiosk_token, shape)
    expect(kiosk.page.locator("html")).to_have_attribute("lang", "pl")
    # Nothing is chosen for the visitor: no service, need or priority is marked.
    assert kiosk.page.locator("[aria-pressed=true]:not([data-set-lang])").count() == 0
    kiosk.check_screen()

    if language != "pl":
        kiosk.language(language)
        expect(kiosk.page.locator("html")).to_have_attribute("lang", language)
    suffix = {"pl": " (pl)", "uk": " (uk)", "en": ""}[language]
    expect(kiosk.on_screen("[data-service=ids] .tile-name")).to_have_text(f"IDs{suffix}")
    kiosk.check_screen()

    kiosk.tap("[data-service=ids]")  # tap 1
    kiosk.expect_step("needs")
    kiosk.check_screen()
    kiosk.tap("[data-action=no-needs]")  # tap 2
    kiosk.expect_step("priority")
    kiosk.check_screen()
    kiosk.tap("[data-action=no-priority]")  # tap 3: the ticket
    kiosk.expect_step("ticket")

    expect(kiosk.on_screen("[data-field=number]")).to_have_text("A001")
    expect(kiosk.on_screen("[data-field=ahead]")).to_have_text("0")
    expect(kiosk.on_screen("[data-field=eta]")).not_to_be_empty()
    kiosk.page.wait_for_function(
        "() => [...document.querySelectorAll('[data-field=qr]')]"
        ".some((img) => img.naturalWidth > 0)"
    )
    kiosk.check_screen()


def test_needs_and_a_priority_reach_the_ticket(new_context, credentials, staff_api):
    kiosk = open_kiosk(new_context, credentials.kiosk_token)
    kiosk.language("uk")
    kiosk.tap("[data-service=cars]")
    expect(kiosk.on_screen("[data-action=needs-done]")).to_be_disabled()
    kiosk.tap("[data-need=hearing]")
    expect(kiosk.on_screen("[data-need=hearing]")).to_have_attribute("aria-pressed", "true")
    kiosk.tap("[data-action=needs-done]")
    kiosk.tap("[data-priority=pregnant]")
    kiosk.expect_step("ticket")
    number = kiosk.on_screen("[data-field=number]")
    expect(number).to_have_text("B001")

    ticket_id = kiosk.on_screen("[data-field=qr]").get_attribute("src").split("/")[2]
    stored = staff_api("anna").get(f"/tickets/{ticket_id}").json()
    assert (stored["language"], stored["needs"], stored["priority"]) == (
        "uk",
        ["hearing"],
        "pregnant",
    )


def test_back_keeps_the_choices_and_start_over_clears_them(new_context, credentials):
    kiosk = open_kiosk(new_context, credentials.kiosk_token)
    kiosk.language("en")
    kiosk.tap("[data-service=ids]")
    kiosk.tap("[data-need=email_only]")
    kiosk.tap("[data-action=needs-done]")
    kiosk.expect_step("priority")
    kiosk.tap("[data-action=back]")
    kiosk.expect_step("needs")
    expect(kiosk.on_screen("[data-need=email_only]")).to_have_attribute("aria-pressed", "true")

    kiosk.tap("[data-action=restart]")

    kiosk.expect_step("service")
    expect(kiosk.page.locator("html")).to_have_attribute("lang", "pl")
    assert kiosk.page.locator("[data-need][aria-pressed=true]").count() == 0


def test_the_next_visitor_inherits_nothing(new_context, credentials):
    kiosk = open_kiosk(new_context, credentials.kiosk_token)
    kiosk.language("uk")
    kiosk.tap("[data-service=ids]")
    kiosk.tap("[data-need=hearing]")
    kiosk.tap("[data-action=needs-done]")
    kiosk.tap("[data-priority=card]")
    kiosk.expect_step("ticket")
    kiosk.tap("[data-action=done]")

    kiosk.expect_step("service")
    expect(kiosk.page.locator("html")).to_have_attribute("lang", "pl")
    expect(kiosk.page.locator("[data-set-lang=pl]")).to_have_attribute("aria-pressed", "true")
    # The next visitor's plain ticket is plain: no need, no priority from the last one.
    kiosk.tap("[data-service=ids]")
    assert kiosk.page.locator("[data-need][aria-pressed=true]").count() == 0
    kiosk.tap("[data-action=no-needs]")
    kiosk.tap("[data-action=no-priority]")
    kiosk.expect_step("ticket")
    expect(kiosk.on_screen("[data-field=number]")).to_have_text("A002")


def test_the_ticket_screen_clears_itself(new_context, credentials):
    kiosk = open_kiosk(new_context, credentials.kiosk_token)
    kiosk.language("en")
    kiosk.tap("[data-service=ids]")
    kiosk.tap("[data-action=no-needs]")
    kiosk.tap("[data-action=no-priority]")
    kiosk.expect_step("ticket")
    expect(kiosk.on_screen("[data-field=closing]")).to_contain_text("starts over in")

    expect(kiosk.page.locator("html")).to_have_attribute(
        "data-step", "service", timeout=(KIOSK["ticket_seconds"] + 3) * 1000
    )
    expect(kiosk.page.locator("html")).to_have_attribute("lang", "pl")
    assert kiosk.page.locator("[data-field=qr][src]").count() == 0


def test_an_idle_visitor_is_warned_then_forgotten(new_context, credentials):
    kiosk = open_kiosk(new_context, credentials.kiosk_token)
    kiosk.language("uk")
    kiosk.tap("[data-service=ids]")
    kiosk.tap("[data-need=hearing]")

    dialog = kiosk.page.get_by_role("alertdialog")
    expect(dialog).to_be_visible(timeout=(KIOSK["idle_seconds"] + 2) * 1000)
    expect(dialog).to_contain_text(re.compile(r"\d"))
    assert_accessible(kiosk.page)
    # A touch keeps the visitor's choices...
    dialog.get_by_role("button").click()
    expect(dialog).to_be_hidden()
    kiosk.expect_step("needs")
    expect(kiosk.on_screen("[data-need=hearing]")).to_have_attribute("aria-pressed", "true")

    # ...and no touch at all forgets them.
    expect(dialog).to_be_visible(timeout=(KIOSK["idle_seconds"] + 2) * 1000)
    expect(kiosk.page.locator("html")).to_have_attribute(
        "data-step", "service", timeout=(KIOSK["warning_seconds"] + 2) * 1000
    )
    expect(dialog).to_be_hidden()
    expect(kiosk.page.locator("html")).to_have_attribute("lang", "pl")
    assert kiosk.page.locator("[data-need][aria-pressed=true]").count() == 0


def test_a_double_tap_gives_one_step_and_one_ticket(new_context, credentials, staff_api):
    kiosk = open_kiosk(new_context, credentials.kiosk_token)
    # Two taps on the tile: the second lands on the next step and must do nothing there.
    kiosk.on_screen("[data-service=ids]").dblclick()
    kiosk.expect_step("needs")
    kiosk.page.wait_for_timeout(600)
    kiosk.expect_step("needs")
    kiosk.tap("[data-action=no-needs]")
    requests_seen: list[str] = []
    kiosk.page.on(
        "request",
        lambda r: requests_seen.append(r.url) if r.url.endswith("/api/v1/tickets") else None,
    )
    kiosk.on_screen("[data-action=no-priority]").dblclick()
    kiosk.expect_step("ticket")
    kiosk.page.wait_for_timeout(600)

    expect(kiosk.on_screen("[data-field=number]")).to_have_text("A001")
    kiosk.expect_step("ticket")  # the second tap did not press "Done" either
    assert len(requests_seen) == 1
    assert waiting(staff_api) == 1


def test_a_lost_answer_is_retried_with_the_same_key_and_gives_one_ticket(
    new_context, credentials, staff_api
):
    kiosk = open_kiosk(new_context, credentials.kiosk_token)
    keys: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the server makes the ticket...
            route.abort("connectionreset")  # ...and the answer never arrives
        else:
            route.continue_()

    kiosk.page.route("**/api/v1/tickets", lose_the_first_answer)
    kiosk.tap("[data-service=ids]")
    kiosk.tap("[data-action=no-needs]")
    kiosk.tap("[data-action=no-priority]")

    kiosk.expect_step("ticket")
    expect(kiosk.on_screen("[data-field=number]")).to_have_text("A001")
    assert len(keys) == 2 and keys[0] == keys[1]
    assert waiting(staff_api) == 1


def test_the_server_out_of_reach_is_said_calmly_and_the_kiosk_recovers(new_context, credentials):
    kiosk = open_kiosk(new_context, credentials.kiosk_token)
    kiosk.page.route("**/api/v1/**", lambda route: route.abort("connectionrefused"))
    kiosk.language("uk")
    kiosk.tap("[data-service=ids]")
    kiosk.tap("[data-action=no-needs]")
    kiosk.tap("[data-action=no-priority]")

    message = kiosk.page.get_by_role("alert")
    expect(message).to_have_attribute("data-kind", "retrying")
    expect(message).to_have_attribute("data-kind", "offline", timeout=15_000)
    expect(kiosk.page.locator("html")).to_have_attribute("data-offline", "true")
    kiosk.expect_step("service")
    assert_accessible(kiosk.page)

    kiosk.page.unroute("**/api/v1/**")
    expect(message).to_be_hidden(timeout=10_000)
    expect(kiosk.page.locator("html")).not_to_have_attribute("data-offline", "true")
    kiosk.tap("[data-service=ids]")
    kiosk.tap("[data-action=no-needs]")
    kiosk.tap("[data-action=no-priority]")
    expect(kiosk.on_screen("[data-field=number]")).to_have_text("A001")


def test_a_printer_that_is_off_is_said_on_the_ticket_screen(new_context, credentials, printer_off):
    kiosk = open_kiosk(new_context, credentials.kiosk_token)
    kiosk.language("en")
    kiosk.tap("[data-service=ids]")
    kiosk.tap("[data-action=no-needs]")
    kiosk.tap("[data-action=no-priority]")

    printer = kiosk.on_screen("[data-field=printer]")
    expect(printer).to_have_attribute("data-printer", "down")
    expect(printer).to_contain_text("write down your number")
    kiosk.check_screen()


def test_a_full_service_is_shown_closed_and_cannot_be_chosen(new_context, credentials, live_server):
    from tests.e2e.conftest import issue_ticket

    for _ in range(3):  # the cashier's daily cap in the test office
        issue_ticket(live_server, credentials.kiosk_token, service="cash")
    kiosk = open_kiosk(new_context, credentials.kiosk_token)

    tile = kiosk.on_screen("[data-service=cash]")
    expect(tile).to_have_attribute("aria-disabled", "true")
    expect(tile.locator("[data-closed]")).to_be_visible()
    tile.click(force=True)  # force: Playwright itself will not tap what says it is disabled
    kiosk.page.wait_for_timeout(500)
    kiosk.expect_step("service")
    kiosk.check_screen()
