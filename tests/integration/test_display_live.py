"""What the hall displays get besides calls: the office message line, the heartbeat, staff's
view of which displays are connected, and the sound clips made at install time."""

from __future__ import annotations

import json

import pytest

from display import audio
from tests.integration.test_sockets import screens, session_cookie  # noqa: F401 (fixtures)
from tests.support.web import bearer, sign_in

pytestmark = pytest.mark.usefixtures("quick_websocket_close")


def test_a_supervisor_sets_the_message_line_and_displays_hear_it(
    client,
    live_server,
    credentials,
    screens,  # noqa: F811
):
    display = screens(token=credentials.display_token)
    assert display.wait_for("office.message").data["text"] == ""

    sign_in(client, "anna")
    assert client.put("/api/v1/office-message", json={"text": "x"}).status_code == 403
    sign_in(client, "marek")
    too_long = client.put("/api/v1/office-message", json={"text": "x" * 201})
    assert too_long.status_code == 400
    set_ = client.put("/api/v1/office-message", json={"text": "  Kasa\nczynna do 15:00 "})
    assert set_.status_code == 200
    assert set_.json["text"] == "Kasa czynna do 15:00"

    display.wait_for("office.message", lambda data: data["text"] == "Kasa czynna do 15:00")
    assert client.get("/api/v1/office-message").json["text"] == "Kasa czynna do 15:00"
    # A display that connects later, or again after a restart, is told at once.
    again = screens(token=credentials.display_token)
    assert again.wait_for("office.message").data["text"] == "Kasa czynna do 15:00"


def test_a_staff_screen_is_told_which_displays_are_connected(
    client,
    live_server,
    credentials,
    session_cookie,  # noqa: F811
    screens,  # noqa: F811
):
    staff = screens(cookie=session_cookie("marek"))
    assert staff.wait_for("displays.status").data == {"displays": []}
    display = screens(token=credentials.display_token)
    seen = staff.wait_for("displays.status", lambda d: d["displays"])
    assert [d["name"] for d in seen.data["displays"]] == ["hall display"]
    assert display.call("heartbeat", {})["ok"] is True
    display.close()
    staff.wait_for("displays.status", lambda d: d is not seen.data and d["displays"] == [])


def test_display_snapshot_and_calls_carry_no_personal_data(
    client,
    live_server,
    credentials,
    screens,  # noqa: F811
):
    display = screens(token=credentials.display_token)
    response = client.post(
        "/api/v1/tickets",
        json={"service": "ids", "language": "uk", "needs": ["hearing"], "print": False},
        headers=bearer(credentials.kiosk_token),
    )
    assert response.status_code == 201
    sign_in(client, "anna")
    assert client.post("/api/v1/desks/1/call-next").status_code == 200
    call = display.wait_for("ticket.called").data
    assert set(call) == {"number", "desk", "service", "language", "status", "called_at", "recalls"}
    page = client.get("/display", headers=bearer(credentials.display_token)).get_data(True)
    assert "hearing" not in page.lower()


def test_the_clips_are_made_offline_once_and_name_every_piece_of_the_phrase(tmp_path):
    assert audio.build(tmp_path, languages=["pl"]) is True
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["languages"]["pl"]["phrase"] == ["word:0", "number", "word:1", "desk"]
    for stem in manifest["languages"]["pl"]["clips"]:
        assert (tmp_path / "pl" / f"{stem}.ogg").read_bytes()[:4] == b"OggS", stem
    assert {"n-17", "n-900", "letter-k", "word-0", "word-1"} <= set(
        manifest["languages"]["pl"]["clips"]
    )
    assert (tmp_path / "chime.ogg").exists()
    assert audio.build(tmp_path, languages=["pl"]) is False  # already current


def test_the_spoken_phrase_comes_from_the_catalogues():
    assert audio.phrase("pl") == "Numer {number}, stanowisko {desk}"
    assert audio.phrase("uk") == "Номер {number}, вікно {desk}"
    assert audio.clips("uk")["letter-h"] == "аш"
