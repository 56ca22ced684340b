"""The admin's levers over access: `user passwd`, `user disable`, `token list`, `token revoke`,
each audited; and a server that will not start without its secret key."""

# The fixtures come from test_cli (a copy of the shipped office), so pytest sees them here and
# each test names them as arguments.
# ruff: noqa: F401, F811
from __future__ import annotations

import json

from tests.integration.test_cli import PASSWORD, migrated, office, office_app

API = "/api/v1"
NEW_PASSWORD = "another long password"


def signed_in_client(app, username: str, password: str):
    client = app.test_client()
    response = client.post(f"{API}/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return client


def add_clerk(cli) -> None:
    result = cli.run(
        "user", "add", "bozena", "--role", "clerk", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr


def audit(cli, kind: str) -> list[tuple]:
    return cli.query(f"SELECT actor, data FROM auditevent WHERE kind = '{kind}'")


def test_user_passwd_sets_a_new_password_and_ends_open_sessions(migrated, office_app):
    add_clerk(migrated)
    session = signed_in_client(office_app, "bozena", PASSWORD)
    assert session.get(f"{API}/state").status_code == 200

    result = migrated.run("user", "passwd", "bozena", "--password-stdin", stdin=NEW_PASSWORD + "\n")

    assert result.returncode == 0, result.stderr
    assert NEW_PASSWORD not in result.stdout + result.stderr
    assert session.get(f"{API}/state").status_code == 401
    signed_in_client(office_app, "bozena", NEW_PASSWORD)
    old = office_app.test_client().post(
        f"{API}/session", json={"username": "bozena", "password": PASSWORD}
    )
    assert old.status_code == 401
    ((actor, data),) = audit(migrated, "user.password_changed")
    assert actor == "admin:cli" and json.loads(data) == {"username": "bozena"}


def test_user_passwd_refuses_a_short_password_or_an_unknown_name(migrated):
    add_clerk(migrated)

    short = migrated.run("user", "passwd", "bozena", "--password-stdin", stdin="short\n")
    unknown = migrated.run("user", "passwd", "nobody", "--password-stdin", stdin=NEW_PASSWORD)

    for result in (short, unknown):
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
    assert "password" in short.stderr and "nobody" in unknown.stderr
    assert audit(migrated, "user.password_changed") == []


def test_user_disable_ends_sessions_and_refuses_sign_in(migrated, office_app):
    add_clerk(migrated)
    session = signed_in_client(office_app, "bozena", PASSWORD)

    result = migrated.run("user", "disable", "bozena")

    assert result.returncode == 0, result.stderr
    assert session.get(f"{API}/state").status_code == 401
    again = office_app.test_client().post(
        f"{API}/session", json={"username": "bozena", "password": PASSWORD}
    )
    assert again.status_code == 401
    assert migrated.query("SELECT active FROM user WHERE username = 'bozena'") == [(0,)]
    ((actor, _),) = audit(migrated, "user.disabled")
    assert actor == "admin:cli"


def test_token_list_shows_tokens_but_never_their_secrets(migrated):
    secret = migrated.run("token", "add", "hall kiosk", "--role", "kiosk").stdout.strip()

    listing = migrated.run("token", "list")

    assert listing.returncode == 0, listing.stderr
    assert "hall kiosk" in listing.stdout and "kiosk" in listing.stdout
    assert "active" in listing.stdout
    assert secret not in listing.stdout


def test_token_revoke_by_name_or_id_refuses_the_device_at_once(migrated, office_app):
    kiosk = migrated.run("token", "add", "hall kiosk", "--role", "kiosk").stdout.strip()
    display = migrated.run("token", "add", "hall display", "--role", "display").stdout.strip()
    client = office_app.test_client()
    assert client.get("/kiosk", headers={"Authorization": f"Bearer {kiosk}"}).status_code == 200

    by_name = migrated.run("token", "revoke", "hall kiosk")
    (display_id,) = migrated.query("SELECT id FROM apitoken WHERE name = 'hall display'")[0]
    by_id = migrated.run("token", "revoke", str(display_id))

    assert by_name.returncode == 0 and by_id.returncode == 0, by_name.stderr + by_id.stderr
    body = {"service": "registration", "language": "pl"}
    refused = client.post(f"{API}/tickets", json=body, headers={"Authorization": f"Bearer {kiosk}"})
    assert refused.status_code == 401
    state = client.get(f"{API}/state", headers={"Authorization": f"Bearer {display}"})
    assert state.status_code == 401
    assert "revoked" in migrated.run("token", "list").stdout
    assert len(audit(migrated, "token.revoked")) == 2


def test_token_revoke_refuses_an_unknown_or_ambiguous_name(migrated):
    migrated.run("token", "add", "kiosk", "--role", "kiosk")
    migrated.run("token", "add", "kiosk", "--role", "kiosk")

    ambiguous = migrated.run("token", "revoke", "kiosk")
    unknown = migrated.run("token", "revoke", "no such device")

    for result in (ambiguous, unknown):
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
    assert "ambiguous" in ambiguous.stderr
    assert migrated.query("SELECT count(*) FROM apitoken WHERE revoked") == [(0,)]


def test_serve_without_a_secret_key_refuses_to_start_with_a_clear_message(migrated):
    result = migrated.run("serve", "--port", "1", FRONTDESK_SECRET_KEY="")

    assert result.returncode == 1
    assert "FRONTDESK_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_admin_commands_and_the_demo_need_no_secret_key(migrated):
    listing = migrated.run("token", "list", FRONTDESK_SECRET_KEY="")
    demo = migrated.run("demo", "--no-serve", FRONTDESK_SECRET_KEY="")

    assert listing.returncode == 0, listing.stderr
    assert demo.returncode == 0, demo.stderr
