"""The visitor's screens with the demo office (config.toml), at the kiosk's two screen shapes and
on a phone: each step fits, passes axe, and its picture goes to docs/screenshots for the README."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from frontdesk.settings import Printer, load
from tests.e2e.conftest import issue_ticket
from tests.e2e.kiosk_support import ROOT_CONFIG, SCREENSHOTS, SHAPES, open_kiosk


@pytest.fixture
def web_settings(tmp_path):
    demo = load(ROOT_CONFIG)
    return demo.model_copy(
        update={"printer": Printer(backend="file", path=str(tmp_path / "printer.bin"))}
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_every_kiosk_step_of_the_demo_office(new_context, credentials, live_server, shape):
    for _ in range(4):  # a queue to show
        issue_ticket(live_server, credentials.kiosk_token, service="registration")
    kiosk = open_kiosk(new_context, credentials.kiosk_token, shape)
    expect(kiosk.on_screen("[data-service=registration] [data-waiting]")).to_contain_text("4")
    kiosk.check_screen(f"kiosk-1-service-{shape}")
    kiosk.tap("[data-service=registration]")
    kiosk.check_screen(f"kiosk-2-needs-{shape}")
    kiosk.tap("[data-need=hearing]")
    kiosk.tap("[data-action=needs-done]")
    kiosk.check_screen(f"kiosk-3-priority-{shape}")
    kiosk.tap("[data-action=no-priority]")
    kiosk.expect_step("ticket")
    kiosk.page.wait_for_function(
        "() => [...document.querySelectorAll('[data-field=qr]')].some((i) => i.naturalWidth > 0)"
    )
    kiosk.check_screen(f"kiosk-4-ticket-{shape}")
    kiosk.tap("[data-action=done]")
    kiosk.language("uk")
    kiosk.check_screen(f"kiosk-1-service-uk-{shape}")


def test_the_phone_page_waiting_and_called(new_context, live_server, credentials, staff_api):
    ahead = issue_ticket(live_server, credentials.kiosk_token, service="registration")
    mine = issue_ticket(live_server, credentials.kiosk_token, service="registration", language="uk")
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    phone.goto(f"/t/{mine['id']}")
    expect(phone.locator("html")).to_have_attribute("data-following", mine["id"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "phone-waiting.png"), full_page=True)

    clerk = staff_api("anna")
    assert clerk.post("/desks/1/call-next").json()["id"] == ahead["id"]
    assert clerk.post("/desks/2/call-next").json()["id"] == mine["id"]
    expect(phone.locator("#call-desk")).to_have_text("2")
    phone.screenshot(path=str(SCREENSHOTS / "phone-called.png"), full_page=True)
