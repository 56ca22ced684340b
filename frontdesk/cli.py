"""The `frontdesk` command. Built on Flask's CLI, so every `flask` command works too."""

from __future__ import annotations

import os
import secrets
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from frontdesk import phrasebook
from frontdesk import settings as settings_module
from frontdesk.services.core import Actor

ADMIN_CLI = Actor("cli", "admin")


# Commands that serve need the real secret key; the demo may make one up; the others never
# sign a cookie, so a throw-away key lets an admin run them without it.
SERVING_COMMANDS = frozenset({"serve", "run"})
DEV_COMMANDS = frozenset({"demo"})


def _create_app() -> Flask:
    from frontdesk.app import create_app
    from frontdesk.security import MissingSecretKey

    context = click.get_current_context(silent=True)
    command = context.info_name if context else None
    config = {}
    if command not in SERVING_COMMANDS | DEV_COMMANDS and not os.environ.get(
        "FRONTDESK_SECRET_KEY"
    ):
        config["SECRET_KEY"] = secrets.token_hex(32)
    try:
        return create_app(dev_secret=command in DEV_COMMANDS, **config)
    except settings_module.ConfigError as exc:
        _print_problems(exc)
        sys.exit(1)
    except MissingSecretKey as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


cli = FlaskGroup(create_app=_create_app, help="frontdesk: a fair queue for a public office.")


def main() -> None:
    cli.main(prog_name="frontdesk")


def _print_problems(exc: settings_module.ConfigError) -> None:
    click.echo(f"The configuration has {len(exc.problems)} problem(s):", err=True)
    for problem in exc.problems:
        click.echo(f"  - {problem}", err=True)


def _core():
    return current_app.extensions["frontdesk"]


# By module name rather than file: found the same way from a checkout and from a wheel.
GUNICORN_CONFIG = "python:frontdesk.gunicorn_conf"


@cli.command(with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--gunicorn",
    "use_gunicorn",
    is_flag=True,
    help="Serve with gunicorn and frontdesk/gunicorn_conf.py (production) instead of the "
    "built-in server.",
)
def serve(host: str, port: int, use_gunicorn: bool) -> None:
    """Run the server (gevent): the built-in one, or gunicorn with frontdesk.gunicorn_conf."""
    if use_gunicorn:
        # `python -m gunicorn` of this interpreter: its script need not sit next to ours
        # (an install whose dependencies come from elsewhere on the path).
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                GUNICORN_CONFIG,
                "-b",
                f"{host}:{port}",
                "frontdesk.app:create_app()",
            ],
        )
    _serve(host, port)


def _serve(host: str, port: int, *, demo: bool = False) -> None:
    """Hand over to frontdesk.server in a fresh interpreter: gevent has to patch the standard
    library before it is imported, and this process has imported it already."""
    sys.stdout.flush()
    python = sys.executable
    args = [python, "-m", "frontdesk.server", "--host", host, "--port", str(port)]
    os.execv(python, args + (["--demo"] if demo else []))


@cli.group()
def db() -> None:
    """Create or migrate the database."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create the database or bring it to the newest schema (Alembic)."""
    from frontdesk import migrate

    migrate.upgrade(_core().settings.database_url, revision)
    click.echo(f"Database is at revision {revision}.")


def _database_url() -> str:
    """From the configuration alone: backup and restore must not open the database as the
    app does (restore checks that nothing else has it open)."""
    try:
        return settings_module.load().database_url
    except settings_module.ConfigError as exc:
        _print_problems(exc)
        sys.exit(1)


@cli.command(with_appcontext=False)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Copy the SQLite database to PATH, consistently, also while the server runs."""
    from frontdesk.backup import BackupError
    from frontdesk.backup import backup as back_up

    try:
        content = back_up(_database_url(), path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backed up to {path}: {_contents(content)}.")


@cli.command(with_appcontext=False)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Restore even while a server has the database open (restart it afterwards).",
)
def restore(path: Path, force: bool) -> None:
    """Replace the SQLite database's content with the backup at PATH. Refused while a server
    or another command has the database open, unless --force; the replaced content is kept
    beside the database."""
    from frontdesk.backup import BackupError
    from frontdesk.backup import restore as restore_from

    try:
        content = restore_from(_database_url(), path, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if content["kept"] is not None:
        click.echo(f"The content it replaced is kept in {content['kept']}.")
    click.echo(f"Restored from {path}: {_contents(content)}.")
    from frontdesk import migrate

    if content["revision"] != migrate.head():
        click.echo("The backup is of an older schema: run `frontdesk db upgrade` before serving.")


def _contents(content: dict) -> str:
    return (
        f"{content['tickets']} tickets, {content['events']} events, "
        f"schema revision {content['revision']}"
    )


@cli.group()
def user() -> None:
    """Staff accounts."""


@user.command("add")
@click.argument("name")
@click.option(
    "--role", required=True, type=click.Choice(["clerk", "supervisor", "admin", "security"])
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_add(name: str, role: str, password_stdin: bool) -> None:
    """Add a staff account (clerk, supervisor, admin or security)."""
    from frontdesk.queue.errors import DomainError
    from frontdesk.services import staff

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        staff.add_user(_core(), ADMIN_CLI, name, role, password)
    except DomainError as exc:
        raise click.ClickException(_explain(exc)) from None
    click.echo(f"Added {role} {name}.")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_passwd(name: str, password_stdin: bool) -> None:
    """Set a new password; the account's open sessions end."""
    from frontdesk.services import staff

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    _refusing_domain_errors(staff.change_password, _core(), ADMIN_CLI, name, password)
    click.echo(f"Changed the password of {name}; their sessions have ended.")


@user.command("disable")
@click.argument("name")
def user_disable(name: str) -> None:
    """Stop an account from signing in; its open sessions end."""
    from frontdesk.services import staff

    _refusing_domain_errors(staff.disable_user, _core(), ADMIN_CLI, name)
    click.echo(f"Disabled {name}; their sessions have ended.")


def _refusing_domain_errors(service, *args):
    from frontdesk.queue.errors import DomainError

    try:
        return service(*args)
    except DomainError as exc:
        raise click.ClickException(_explain(exc)) from None


@cli.group()
def token() -> None:
    """Bearer tokens for kiosks, displays and integrations."""


@token.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["kiosk", "display", "integration"]))
def token_add(name: str, role: str) -> None:
    """Create a device token and print it (it is shown only this once)."""
    from frontdesk.queue.errors import DomainError
    from frontdesk.services import staff

    try:
        click.echo(staff.add_token(_core(), ADMIN_CLI, name, role))
    except DomainError as exc:
        raise click.ClickException(_explain(exc)) from None


@token.command("list")
def token_list() -> None:
    """List device tokens (id, name, role, created, revoked); never the tokens themselves."""
    from frontdesk.services import staff

    for t in staff.list_tokens(_core()):
        state = "revoked" if t["revoked"] else "active"
        created = t["created_at"].strftime("%Y-%m-%d %H:%M")
        click.echo(f"{t['id']:>5}  {t['role']:<11}  {state:<7}  {created}  {t['name']}")


@token.command("revoke")
@click.argument("name_or_id")
def token_revoke(name_or_id: str) -> None:
    """Revoke a token by its id or name (see `token list`); the device is refused at once."""
    from frontdesk.services import staff

    revoked = _refusing_domain_errors(staff.revoke_token, _core(), ADMIN_CLI, name_or_id)
    click.echo(f"Revoked token {revoked['id']} ({revoked['role']} {revoked['name']}).")


def _explain(exc) -> str:
    details = ", ".join(f"{k}={v}" for k, v in exc.params.items())
    return f"{exc.code}: {details}" if details else exc.code


@cli.group()
def config() -> None:
    """The configuration file."""


@config.command("check", with_appcontext=False)
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def config_check(path: str | None) -> None:
    """Validate a config file; exit 1 listing every problem, key by key."""
    shown = path or os.environ.get("FRONTDESK_CONFIG") or settings_module.DEFAULT_CONFIG_PATH
    try:
        loaded = settings_module.load(path)
        # The clerks' phrasebook is the office's to edit too: checked with the config.
        phrasebook.load(loaded.phrasebook_path())
    except settings_module.ConfigError as exc:
        _print_problems(exc)
        sys.exit(1)
    for warning in loaded.warnings() + loaded.reach_warnings():
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{shown}: OK ({len(loaded.services)} services, {len(loaded.desks)} desks, "
        f"{len(loaded.priorities)} priorities)"
    )


@cli.command(with_appcontext=False)
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--office", required=True, help="Office id in the data, e.g. UD_Wola.")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def replay(data: str, office: str, day, out: str) -> None:
    """Replay a real office day from the Warsaw queue data on a virtual clock."""
    from frontdesk.replay import ReplayDataError, run_replay

    try:
        click.echo(run_replay(Path(data), office, day.date(), Path(out)))
    except ReplayDataError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Only prepare the demo accounts and tokens.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Prepare demo staff accounts and device tokens, print every screen's address, serve."""
    from frontdesk import migrate
    from frontdesk.queue.model import User
    from frontdesk.services import staff

    core = _core()
    migrate.upgrade(core.settings.database_url)
    base = f"http://{host}:{port}"
    click.echo(f"\nfrontdesk demo: {core.settings.office.name}\n")
    click.echo("Staff accounts (new random passwords, shown once):")
    for name, role in (
        ("demo-clerk", "clerk"),
        ("demo-supervisor", "supervisor"),
        ("demo-admin", "admin"),
    ):
        password = secrets.token_urlsafe(9)
        with core.unit_of_work() as uow:
            existing = uow.session.query(User).filter(User.username == name).first()
            if existing is not None:
                uow.session.delete(existing)
                uow.commit()
        staff.add_user(core, ADMIN_CLI, name, role, password)
        click.echo(f"  {role:<11} {name:<16} {password}")
    kiosk = staff.add_token(core, ADMIN_CLI, f"demo kiosk {date.today()}", "kiosk")
    display = staff.add_token(core, ADMIN_CLI, f"demo display {date.today()}", "display")
    click.echo("\nScreens:")
    click.echo(f"  Kiosk        {base}/kiosk?token={kiosk}")
    click.echo(f"  Hall display {base}/display?token={display}")
    click.echo(f"  Desk console {base}/desk        (sign in as demo-clerk)")
    click.echo(f"  Supervisor   {base}/supervisor  (sign in as demo-supervisor)")
    click.echo("  Phone page   shown as a QR code on every ticket")
    click.echo(f"  API          {base}/api/v1/openapi.json")
    printer = core.settings.printer
    where = printer.path if printer.backend == "file" else f"{printer.host}:{printer.port}"
    click.echo(f"\nTicket printer: {printer.backend} ({where})\n")
    if not no_serve:
        _serve(host, port, demo=True)


@cli.group("printer")
def printer_group() -> None:
    """The ticket printer of [printer]."""


@printer_group.command("test")
def printer_test() -> None:
    """Print a test ticket now, in every office language, and say whether it went out."""
    from frontdesk.printing import TicketPrinting
    from printer import PrinterUnavailable, make_printer

    core = _core()
    config = core.settings.printer
    data = TicketPrinting.test_ticket(current_app._get_current_object(), core)
    device = make_printer(
        config.backend,
        path=config.path,
        host=config.host,
        port=config.port,
        timeout=config.timeout_seconds,
    )
    try:
        device.send(data)
    except PrinterUnavailable as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Sent a test ticket ({len(data)} bytes, {config.mode}) to {device!r}.")


@cli.group("ticket")
def ticket_group() -> None:
    """Tickets."""


@ticket_group.command("preview")
@click.argument("number")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="PNG to write.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Office day (today).")
def ticket_preview(number: str, out: str, day) -> None:
    """Render ticket NUMBER (e.g. A017) as a PNG from the very bytes the printer is sent."""
    from sqlmodel import select

    from frontdesk.printing import TicketPrinting
    from frontdesk.queue import rules
    from frontdesk.queue.model import Ticket
    from frontdesk.services import views
    from printer.raster import images_in

    core = _core()
    office_day = day.date() if day else rules.office_day(core.clock(), core.settings.office.zone)
    with core.reading() as session:
        found = session.exec(
            select(Ticket).where(Ticket.office_day == office_day, Ticket.number == number)
        ).first()
        if found is None:
            raise click.ClickException(f"no ticket {number} on {office_day}")
        view = views.ticket_view(core, session, found)
    data = TicketPrinting(current_app._get_current_object(), core).render(view)
    image = images_in(data)
    if image is None:
        raise click.ClickException("[printer] mode is text: the bytes hold no image to show")
    image.save(out, "PNG")
    click.echo(f"{out}: {image.width}×{image.height} dots from {len(data)} bytes")


@cli.group("privacy")
def privacy_group() -> None:
    """Personal data: the purge after retention_days, export and erasure by e-mail address."""


@privacy_group.command("purge")
def privacy_purge() -> None:
    """Erase now what is older than retention_days (the server also does this every hour)."""
    from frontdesk.services import privacy

    done = privacy.purge(_core(), ADMIN_CLI)
    click.echo(
        f"Erased personal data of office days before {done['before']}: "
        f"{done['contacts']} addresses, {done['follow_ups']} follow-ups, "
        f"{done['messages']} messages, the needs and priorities of {done['tickets']} tickets."
    )


@privacy_group.command("export")
@click.option("--email", required=True, help="The visitor's e-mail address.")
def privacy_export(email: str) -> None:
    """Print, as JSON, everything kept about the visitor with this address."""
    import json

    from frontdesk.services import privacy

    click.echo(json.dumps(privacy.export(_core(), email), ensure_ascii=False, indent=2))


@privacy_group.command("erase")
@click.option("--email", required=True, help="The visitor's e-mail address.")
def privacy_erase(email: str) -> None:
    """Erase now everything kept about the visitor with this address."""
    from frontdesk.services import privacy

    done = privacy.erase(_core(), ADMIN_CLI, email)
    if not done["contacts"]:
        click.echo("Nothing is kept under this address.")
        return
    click.echo(
        f"Erased {done['contacts']} addresses, {done['follow_ups']} follow-ups, "
        f"{done['messages']} messages, the needs and priorities of {done['tickets']} tickets."
    )
