"""The hall display in Chromium: readable across the hall, every call seen and heard in order,
a recall marked, only its own services, and back by itself after the server restarts."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    AXE,
    assert_accessible,
    issue_ticket,
    sign_in_page,
    wait_until_live,
)
from tests.support import served
from tests.support.core import office_settings
from tests.support.web import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LANDSCAPE = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}
MOMENT_MS = 250

# Records what the page asks to play or say instead of playing it (headless Chromium has no
# sound card), and finishes each clip at once so a burst goes through quickly. The moment
# each call keeps the screen is shortened for the same reason.
RECORD_SOUND = f"""
window.frontdeskDisplayMomentMs = {MOMENT_MS};
window.heard = [];
window.shownNumbers = [];
HTMLMediaElement.prototype.play = function () {{
  const src = new URL(this.src).pathname.split("/audio/")[1];
  window.heard.push(src);
  setTimeout(() => this.dispatchEvent(new Event("ended")), 5);
  return Promise.resolve();
}};
if (window.speechSynthesis) {{
  window.speechSynthesis.speak = (u) => {{
    window.heard.push("say:" + u.lang + ":" + u.text);
    setTimeout(() => u.onend && u.onend(), 5);
  }};
}}
document.addEventListener("DOMContentLoaded", () => {{
  const number = document.getElementById("now-number");
  new MutationObserver(() => window.shownNumbers.push(number.textContent))
    .observe(number, {{ childList: true, characterData: true, subtree: true }});
}});
"""

FAKE_CLIPS = {
    "fingerprint": "test",
    "chime": "chime.ogg",
    "languages": {
        lang: {"phrase": ["word:0", "number", "word:1", "desk"], "clips": []}
        for lang in ("pl", "uk", "en")
    },
}


@pytest.fixture
def web_settings(tmp_path):
    """Ten desks, so ten calls can be made within a second; a wing display for cars only."""
    desks = [{"number": n, "name": f"Desk {n}", "services": ["ids", "cars"]} for n in range(1, 11)]
    return office_settings(
        desks=desks,
        displays=[{"token": "wing display", "services": ["cars"]}],
        printer={"backend": "none"},
    )


def open_display(new_context, token: str, viewport=LANDSCAPE, fake_clips=True) -> Page:
    context = new_context(viewport=viewport)
    context.add_init_script(RECORD_SOUND)
    if fake_clips:
        # The logic under test is which clips, in which order: the clips themselves are
        # tested in tests/integration/test_display_audio.py.
        context.route("**/audio/manifest.json", lambda route: route.fulfill(json=FAKE_CLIPS))
    display = context.new_page()
    display.goto(f"/display?token={token}")
    wait_until_live(display)
    return display


def glyph_height(page: Page, selector: str) -> float:
    """The height of the text's ink as drawn, in CSS pixels (not its line box)."""
    return page.eval_on_selector(
        selector,
        """(el) => {
            const ctx = document.createElement("canvas").getContext("2d");
            const style = getComputedStyle(el);
            // Width aside, a condensed face draws the same height.
            ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} `
                     + style.fontFamily;
            const m = ctx.measureText(el.firstChild.textContent);
            return m.actualBoundingBoxAscent + m.actualBoundingBoxDescent;
        }""",
    )


def assert_enhanced_contrast(page: Page) -> None:
    """WCAG's AAA contrast rule (7:1 for normal text, 4.5:1 for large)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("() => axe.run(document, {runOnly: ['color-contrast-enhanced']})")
    failing = [n["target"] for v in results["violations"] for n in v["nodes"]]
    assert not failing, failing


def call(api, desk: int) -> dict:
    response = api.post(f"/desks/{desk}/call-next")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_newest_call_fills_the_screen_and_is_marked_in_words(
    new_context, live_server, credentials, staff_api
):
    clerk = staff_api("anna")
    for language in ("pl", "uk", "pl", "en"):
        issue_ticket(live_server, credentials.kiosk_token, language=language, needs=["hearing"])
    issue_ticket(live_server, credentials.kiosk_token, service="cars")
    display = open_display(new_context, credentials.display_token)
    numbers = [call(clerk, desk)["number"] for desk in (1, 2, 3)]
    expect(display.locator("#now-number")).to_have_text(numbers[-1])
    expect(display.locator("#calls tr")).to_have_count(2)
    recalled = call(clerk, 4)
    assert clerk.post(f"/tickets/{recalled['id']}/recall").status_code == 200

    expect(display.locator("#now-number")).to_have_text(recalled["number"])
    expect(display.locator("#now-recall")).to_be_visible()
    expect(display.locator("#now-recall")).to_have_text("Repeated call")
    expect(display.locator("#now-title")).to_have_text("Now calling")
    expect(display.locator("#now-desk")).to_have_text("4")
    # The recall replaces the same number's first call; the others follow, newest first.
    expect(display.locator("#calls tr td:first-child")).to_have_text(numbers[::-1])
    expect(display.locator("#calls tr td:last-child")).to_have_text(["3", "2", "1"])
    # The same counts the API gives.
    for service in clerk.get("/services").json()["services"]:
        expect(display.locator(f"#waiting li[data-code={service['code']}] .count")).to_have_text(
            str(service["waiting"])
        )
    expect(display.locator("#clock")).to_have_text(re.compile(r"^\d\d:\d\d$"))

    height = LANDSCAPE["height"]
    assert glyph_height(display, "#now-number") >= 0.15 * height
    assert glyph_height(display, "#now-desk") >= 0.15 * height
    assert glyph_height(display, "#calls tr td") >= 0.07 * height
    # The newest call is first and above the others, not only another colour.
    now_box = display.locator("#now").bounding_box()
    assert now_box["y"] <= display.locator("#recent").bounding_box()["y"]
    assert now_box["x"] < display.locator("#recent").bounding_box()["x"]
    # Nothing moves or blinks.
    assert display.evaluate("() => document.getAnimations().length") == 0
    # Numbers and desks only: no language, need or name is ever written on the hall.
    text = display.locator("body").inner_text()
    for private in ("Українська", "English", "Hearing", "uk", "hearing"):
        assert private not in text.split(), private
    assert_enhanced_contrast(display)
    assert_accessible(display)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    display.screenshot(path=str(SCREENSHOTS / "display-landscape.png"))


def test_the_portrait_layout_keeps_the_numbers_large(
    new_context, live_server, credentials, staff_api
):
    clerk = staff_api("marek")
    for _ in range(5):
        issue_ticket(live_server, credentials.kiosk_token)
    display = open_display(new_context, credentials.display_token, viewport=PORTRAIT)
    for desk in range(1, 6):
        call(clerk, desk)
    expect(display.locator("#now-number")).to_have_text("A005")
    expect(display.locator("#calls tr")).to_have_count(4)
    message = clerk.http.put(
        f"{live_server.url}/api/v1/office-message", json={"text": "Desk 7 is closed today"}
    )
    assert message.status_code == 200, message.text
    expect(display.locator("#office-message")).to_have_text("Desk 7 is closed today")

    display.screenshot(path=str(SCREENSHOTS / "display-portrait.png"))
    # The short side sets the limit: at 15 % of the long one the number would not fit.
    assert glyph_height(display, "#now-number") >= 0.15 * PORTRAIT["width"]
    assert glyph_height(display, "#calls tr td") >= 0.07 * PORTRAIT["height"]
    # At least three previous calls fit, whole, in their part of the screen.
    recent = display.locator("#recent").bounding_box()
    rows = [display.locator("#calls tr").nth(i).bounding_box() for i in range(3)]
    assert all(row["y"] + row["height"] <= recent["y"] + recent["height"] + 1 for row in rows)
    for selector in ("#now-number", "#calls", "#waiting", "#office-message", "#enable-sound"):
        box = display.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PORTRAIT["width"], selector
    assert_enhanced_contrast(display)
    assert_accessible(display)


def expected_clips(number: str, desk: int, languages: list[str]) -> list[str]:
    letter, value = number[0].lower(), int(number[1:])
    rest = value % 100
    parts = [value // 100 * 100, *([rest] if rest < 20 else [rest // 10 * 10, rest % 10])]
    clips = ["chime.ogg"]
    for lang in languages:
        clips += [f"{lang}/word-0.ogg", f"{lang}/letter-{letter}.ogg"]
        clips += [f"{lang}/n-{p}.ogg" for p in parts if p]
        clips += [f"{lang}/word-1.ogg", f"{lang}/n-{desk}.ogg"]
    return clips


def test_a_burst_of_ten_calls_is_shown_and_announced_in_order(
    new_context, live_server, credentials, staff_api
):
    languages = ["pl", "uk", "en", "pl", "pl", "uk", "pl", "en", "pl", "pl"]
    for language in languages:
        issue_ticket(live_server, credentials.kiosk_token, language=language)
    display = open_display(new_context, credentials.display_token)
    clerk = staff_api("anna")

    started = time.monotonic()
    called = [call(clerk, desk) for desk in range(1, 11)]
    assert time.monotonic() - started < 1.0
    expect(display.locator("#now-number")).to_have_text("A010", timeout=15_000)
    expected = []
    for desk, (ticket, language) in enumerate(zip(called, languages, strict=True), start=1):
        spoken = ["pl"] if language == "pl" else ["pl", language]
        expected += expected_clips(ticket["number"], desk, spoken)
    display.wait_for_function(f"() => window.heard.length >= {len(expected)}")
    display.wait_for_timeout(MOMENT_MS * 2)

    assert display.evaluate("() => window.shownNumbers") == [t["number"] for t in called]
    assert display.evaluate("() => window.heard") == expected


def test_without_clips_the_browser_voice_speaks_only_languages_it_has(new_context, credentials):
    display = open_display(new_context, credentials.display_token, fake_clips=False)
    plan = display.evaluate(
        """() => window.frontdeskDisplay.plan(
            {number: "B017", desk: 12, service: "cars", language: "uk", recalls: 0},
            null, ["uk"])"""
    )
    # No Polish voice here: the chime, then the Ukrainian call only.
    assert plan == [
        {"tone": True},
        {"speak": "Номер B 17, вікно 12", "lang": "uk-UA"},
    ]
    with_clips = display.evaluate(
        """(clips) => window.frontdeskDisplay.plan(
            {number: "A120", desk: 3, service: "ids", language: "en", recalls: 1},
            clips, [])""",
        FAKE_CLIPS,
    )
    assert [step["clip"] for step in with_clips] == expected_clips("A120", 3, ["pl", "en"])


def test_a_display_bound_to_a_wing_shows_only_its_services(
    new_context, live_server, credentials, staff_api, web_core
):
    from frontdesk.services import staff
    from tests.support.web import ADMIN

    token = staff.add_token(web_core, ADMIN, "wing display", "display")
    issue_ticket(live_server, credentials.kiosk_token, service="ids")
    issue_ticket(live_server, credentials.kiosk_token, service="cars")
    display = open_display(new_context, token)
    expect(display.locator("#waiting li")).to_have_count(1)
    expect(display.locator("#waiting li .letter")).to_have_text("B")

    clerk = staff_api("anna")
    assert call(clerk, 1)["number"] == "A001"
    assert call(clerk, 2)["number"] == "B001"
    expect(display.locator("#now-number")).to_have_text("B001")
    display.wait_for_timeout(MOMENT_MS * 2)
    assert display.evaluate("() => window.shownNumbers") == ["B001"]
    assert all("letter-a" not in clip for clip in display.evaluate("() => window.heard"))


def test_staff_see_which_displays_are_connected_and_set_the_message(
    new_context, live_server, credentials
):
    supervisor = new_context().new_page()
    sign_in_page(supervisor, "marek", next_path="/supervisor")
    wait_until_live(supervisor)
    expect(supervisor.locator("#displays li")).to_have_count(0)
    display = open_display(new_context, credentials.display_token)
    expect(supervisor.locator("#displays li")).to_have_text(["hall display"])

    supervisor.get_by_label("Message on the hall displays").fill("Kasa czynna do 15:00")
    supervisor.get_by_role("button", name="Show on displays").click()
    expect(display.locator("#office-message")).to_have_text("Kasa czynna do 15:00")
    assert_accessible(supervisor)

    display.context.close()
    expect(supervisor.locator("#displays li")).to_have_count(0)


def test_the_display_recovers_by_itself_after_a_server_restart(browser, tmp_path, monkeypatch):
    office = served.OfficeFolder(tmp_path)
    office.run("db", "upgrade")
    display_token, kiosk_token = office.token("display"), office.token("kiosk")
    office.user("anna", "clerk", PASSWORD)
    server = served.Server(office)
    port = server.port
    context = browser.new_context(viewport=LANDSCAPE, base_url=server.url)
    try:
        context.add_init_script(RECORD_SOUND)
        display = context.new_page()
        display.goto(f"/display?token={display_token}")
        wait_until_live(display)
        display.evaluate("() => { window.notReloaded = true; }")

        server.stop()
        expect(display.locator("html")).to_have_attribute("data-live", "offline")
        monkeypatch.setattr(served, "free_port", lambda: port)
        server = served.Server(office)

        wait_until_live(display)
        with requests.Session() as http:
            issued = http.post(
                f"{server.url}/api/v1/tickets",
                json={"service": "registration", "language": "pl", "needs": [], "print": False},
                headers={"Authorization": f"Bearer {kiosk_token}"},
                timeout=10,
            )
            assert issued.status_code == 201, issued.text
            login = http.post(
                f"{server.url}/api/v1/session",
                json={"username": "anna", "password": PASSWORD},
                timeout=10,
            ).json()
            http.headers["X-CSRFToken"] = login["csrf_token"]
            desk = next(
                d
                for d in range(1, 30)
                if http.post(f"{server.url}/api/v1/desks/{d}/call-next", timeout=10).status_code
                == 200
            )
        expect(display.locator("#now-number")).to_have_text("A001")
        expect(display.locator("#now-desk")).to_have_text(str(desk))
        assert display.evaluate("() => window.notReloaded === true")
    finally:
        context.close()
        server.stop()
