"""config.toml, parsed once into typed, frozen objects and checked as a whole.

Every problem is reported with the key it belongs to, so an IT admin can fix the file in one go
(`frontdesk config check`).
"""

from __future__ import annotations

import os
import tomllib
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

LANGUAGES = ("pl", "uk", "en")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_CONFIG_PATH = "config.toml"

IDENTIFIER = r"^[a-z][a-z0-9_]{0,39}$"
LETTER = r"^[A-Z]$"
PATTERN_WORDS = {
    IDENTIFIER: "lower-case letters, digits and _, starting with a letter, e.g. driving_licences",
    LETTER: "one capital letter A-Z",
}
Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER)]
# What a desk can offer a visitor; a need may call for one of them.
Feature = Literal["step_free", "induction_loop", "low_counter", "sign_language"]
# The office's own phrasebook when the config names none (editable: see README, "Phrasebook").
DEFAULT_PHRASEBOOK = Path(__file__).parent / "data" / "phrasebook.toml"


class ConfigError(Exception):
    """The config file cannot be used; `problems` lists each one as 'key: what is wrong'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Names(_Frozen):
    """A text in every language the office serves."""

    pl: str = Field(min_length=1)
    uk: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return getattr(self, language, self.en)


class OpeningHours(_Frozen):
    opens: time
    closes: time

    @model_validator(mode="after")
    def _opens_before_closing(self) -> OpeningHours:
        if self.opens >= self.closes:
            raise ValueError("the office must open before it closes")
        return self


class Office(_Frozen):
    name: str = Field(min_length=1)
    timezone: str = "Europe/Warsaw"
    languages: tuple[Literal["pl", "uk", "en"], ...] = LANGUAGES
    default_language: Literal["pl", "uk", "en"] = "pl"
    public_url: str = "http://127.0.0.1:8000"
    # Off in the demo so it can be tried at any hour; on in a real office.
    enforce_hours: bool = True
    hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], OpeningHours] = {}

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use a name like Europe/Warsaw)"
            ) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Service(_Frozen):
    code: Identifier
    letter: Annotated[str, StringConstraints(pattern=LETTER)]
    names: Names
    expected_minutes: float = Field(gt=0, le=480)
    daily_cap: int = Field(default=999, ge=1, le=999)
    last_ticket: time | None = None
    # Shown on the kiosk tile and printed on the ticket, so nobody queues without the papers.
    what_to_bring: Names | None = None


class Desk(_Frozen):
    number: int = Field(ge=1, le=999)
    name: str = Field(min_length=1)
    features: tuple[Feature, ...] = ()
    services: tuple[Identifier, ...] = Field(min_length=1)
    order: Literal["longest_waiting", "listed"] = "longest_waiting"


class Priority(_Frozen):
    id: Identifier
    names: Names
    explanation: Names
    boost_minutes: int = Field(ge=1, le=240)
    verify: bool = True


class Choice(_Frozen):
    """A named option: a need, an out-of-order reason, an alert kind."""

    id: Identifier
    names: Names


class Need(Choice):
    """What a visitor told the kiosk they need, and what that asks of the desk and the clerk."""

    # The desk feature this need calls for: call-next at a desk without it leaves the visitor
    # to a desk that has it, while one is working (docs/queue-rules.md, "Needs").
    feature: Feature | None = None
    # What the clerk does for this visitor, shown on the console's visitor card.
    instructions: Names | None = None
    # What the clerk does when the visitor comes to a desk without the feature anyway.
    without_feature: Names | None = None
    # "email": a visitor who chooses this need may leave an address at the kiosk, and is
    # written to (the ticket, the turn near, the call) instead of only being spoken to.
    contact: Literal["email"] | None = None


class AlertKind(Choice):
    """What a desk can call a supervisor for."""

    # Sooner than the office's escalation_seconds for the kinds that cannot wait (a fainting).
    escalation_seconds: int | None = Field(default=None, ge=5, le=3600)


class Printer(_Frozen):
    backend: Literal["file", "network", "none"] = "file"
    # raster: the ticket as an image, right in every alphabet on any printer; text: the
    # printer's own code pages, for a printer whose table is known to be set up.
    mode: Literal["raster", "text"] = "raster"
    # Printable dots across: 576 on 80 mm paper, 384 on 58 mm (203 dpi).
    width_dots: int = Field(default=576, ge=200, le=1200)
    path: str = "var/printer.bin"
    host: str = "127.0.0.1"
    port: int = Field(default=9100, ge=1, le=65535)
    timeout_seconds: float = Field(default=5, gt=0, le=60)


class Kiosk(_Frozen):
    """How soon a kiosk forgets its visitor: each one must start fresh, in the default language."""

    # No touch for this long on any step: a countdown starts, then everything is cleared.
    idle_seconds: int = Field(default=45, ge=10, le=600)
    # How long that countdown lasts; a touch keeps the visitor's choices.
    warning_seconds: int = Field(default=10, ge=3, le=60)
    # How long the finished ticket stays on screen (for the number and the QR code).
    ticket_seconds: int = Field(default=30, ge=5, le=300)


class Limits(_Frozen):
    """Request rates, in Flask-Limiter's notation ("10 per 15 minutes", "30/minute")."""

    # Failed sign-ins per user name and address: slows password guessing to a crawl.
    login: str = "10 per 15 minutes"
    # Tickets per kiosk token (or staff member): a stuck button or a script cannot empty a day.
    ticket_issue: str = "60 per minute"
    # Phone pages and ticket look-ups per address: ids cannot be tried en masse.
    ticket_lookup: str = "120 per minute"

    @field_validator("login", "ticket_issue", "ticket_lookup")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError(
                f'{value!r} is not a rate (write e.g. "10 per minute" or "100/hour")'
            ) from None
        return value


class Mail(_Frozen):
    """The SMTP server messages to visitors go through. The password is read from the
    environment variable named here, never from this file."""

    # None: no mail server, so the kiosk offers no address step and nothing is queued.
    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    # starttls: upgrade a plain connection (port 587); tls: TLS from the first byte (465);
    # none: only for a relay on this machine.
    security: Literal["starttls", "tls", "none"] = "starttls"
    user: str | None = None
    password_env: str = "FRONTDESK_SMTP_PASSWORD"
    sender: str = Field(default="", max_length=254)
    timeout_seconds: float = Field(default=20, gt=0, le=120)
    # "Your turn is near" goes when this many people (or fewer) are ahead.
    near_people_ahead: int = Field(default=3, ge=1, le=50)

    @model_validator(mode="after")
    def _sender_with_host(self) -> Mail:
        if self.host and "@" not in self.sender:
            raise ValueError("sender: the From address (e.g. kolejka@um.warszawa.pl) is required")
        return self

    def password(self) -> str | None:
        return os.environ.get(self.password_env) or None


class Display(_Frozen):
    """A hall display that shows only some services (a floor, a wing). Bound to the name its
    token was made with, so moving the screen elsewhere keeps what it shows."""

    token: str = Field(min_length=1, max_length=80)
    services: tuple[Identifier, ...] = Field(min_length=1)


class Settings(_Frozen):
    office: Office
    services: tuple[Service, ...] = Field(min_length=1)
    desks: tuple[Desk, ...] = Field(min_length=1)
    priorities: tuple[Priority, ...] = ()
    needs: tuple[Need, ...] = ()
    out_of_order_reasons: tuple[Choice, ...] = Field(min_length=1)
    alert_kinds: tuple[AlertKind, ...] = Field(min_length=1)
    # Why a desk is away for a while; with none configured, a break needs no reason.
    break_reasons: tuple[Choice, ...] = ()
    # How a visit ended, chosen at finish; with none configured, finish asks for none.
    finish_outcomes: tuple[Choice, ...] = ()
    # The clerks' phrasebook (TOML); relative paths are read from the working directory.
    phrasebook: str | None = None
    # Displays not listed here show every service.
    displays: tuple[Display, ...] = ()
    escalation_seconds: int = Field(default=60, ge=5, le=3600)
    long_wait_minutes: int = Field(default=45, ge=1, le=600)
    recall_limit: int = Field(default=2, ge=0, le=10)
    reinstate_minutes: int = Field(default=30, ge=0, le=480)
    retention_days: int = Field(default=30, ge=1, le=3650)
    database_url: str = "sqlite:///var/frontdesk.db"
    database_pool_size: int = Field(default=10, ge=1, le=200)
    message_queue_url: str | None = None
    queue_update_seconds: float = Field(default=1.0, ge=0.05, le=30)
    printer: Printer = Printer()
    mail: Mail = Mail()
    kiosk: Kiosk = Kiosk()
    limits: Limits = Limits()
    # Reverse proxies in front that set X-Forwarded-For/-Proto/-Host: trusted only this far,
    # so per-address limits see the visitor and not the proxy.
    proxy_hops: int = Field(default=0, ge=0, le=5)

    # Look-ups used everywhere; the tuples are small, so a scan is clearer than extra state.
    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    def desk(self, number: int) -> Desk | None:
        return next((d for d in self.desks if d.number == number), None)

    def escalation_after(self, kind: str) -> int:
        """Seconds an alert of this kind may go unanswered before it is escalated."""
        found = next((k for k in self.alert_kinds if k.id == kind), None)
        if found is not None and found.escalation_seconds is not None:
            return found.escalation_seconds
        return self.escalation_seconds

    def priority(self, priority_id: str) -> Priority | None:
        return next((p for p in self.priorities if p.id == priority_id), None)

    def need_features(self) -> dict[str, str]:
        """Need id -> the desk feature it calls for, for the needs that call for one."""
        return {n.id: n.feature for n in self.needs if n.feature}

    def email_needs(self) -> tuple[str, ...]:
        """The needs after which the kiosk asks for an address: none without a mail server."""
        if not self.mail.host:
            return ()
        return tuple(n.id for n in self.needs if n.contact == "email")

    def phrasebook_path(self) -> Path:
        return Path(self.phrasebook) if self.phrasebook else DEFAULT_PHRASEBOOK

    def display_services(self, token_name: str) -> tuple[str, ...] | None:
        """The services a display token is bound to, or None for all of them."""
        bound = next((d for d in self.displays if d.token == token_name), None)
        return bound.services if bound else None

    def reach_warnings(self) -> list[str]:
        """Addresses that work on this machine only: fine for a demo, wrong in an office."""
        host = urlsplit(self.office.public_url).hostname or ""
        if host == "localhost" or host.startswith("127.") or host == "::1":
            return [
                f"office.public_url: {self.office.public_url} is this machine's loopback "
                "address, so the QR codes on tickets will not open on visitors' phones; set "
                "the address phones reach the server by"
            ]
        return []

    def warnings(self) -> list[str]:
        """Set-ups that work but leave some visitors unserved or waiting without end."""
        found = []
        for service in self.services:
            desks = [d for d in self.desks if service.code in d.services]
            if not desks:
                found.append(f"services.{service.code}: no desk serves this service")
            elif all(d.order == "listed" and d.services[0] != service.code for d in desks):
                found.append(
                    f"services.{service.code}: served only behind other services in a listed "
                    "order, so its visitors may wait as long as others keep arriving"
                )
        for need in self.needs:
            if need.feature and not any(need.feature in d.features for d in self.desks):
                found.append(
                    f"needs.{need.id}: no desk has {need.feature}, so these visitors are called "
                    "to any desk and the clerk is told what is missing"
                )
        return found


def _cross_problems(data: dict) -> list[str]:
    """Checks that span sections (a desk naming a service, unique letters). They read the raw
    data defensively, so they report alongside field errors instead of after them."""

    def entries(section: str) -> list[dict]:
        value = data.get(section, [])
        return [e if isinstance(e, dict) else {} for e in value] if isinstance(value, list) else []

    problems: list[str] = []
    for section, key in (
        ("services", "code"),
        ("services", "letter"),
        ("desks", "number"),
        ("priorities", "id"),
        ("needs", "id"),
        ("out_of_order_reasons", "id"),
        ("alert_kinds", "id"),
        ("break_reasons", "id"),
        ("finish_outcomes", "id"),
        ("displays", "token"),
    ):
        seen = set()
        for i, entry in enumerate(entries(section)):
            value = entry.get(key)
            if value is not None and value in seen:
                problems.append(f"{section}[{i}].{key}: {value!r} is used twice")
            seen.add(value)
    codes = {e.get("code") for e in entries("services")}
    for i, desk in enumerate(entries("desks")):
        services = desk.get("services")
        if not isinstance(services, list):
            continue
        for service in services:
            if service not in codes:
                problems.append(f"desks[{i}].services: no service has the code {service!r}")
        if len(set(map(str, services))) != len(services):
            problems.append(f"desks[{i}].services: a service is listed twice")
    for i, display in enumerate(entries("displays")):
        services = display.get("services")
        for service in services if isinstance(services, list) else []:
            if service not in codes:
                problems.append(f"displays[{i}].services: no service has the code {service!r}")
    office = data.get("office") if isinstance(data.get("office"), dict) else {}
    languages = office.get("languages", list(LANGUAGES))
    if office.get("default_language", "pl") not in languages:
        problems.append("office.default_language: must be one of office.languages")
    return problems


def _key(location: tuple) -> str:
    key = ""
    for part in location:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def _plain(error: dict) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check its spelling)"
    elif error["type"] == "missing":
        message = "this key is required"
    elif error["type"] == "string_pattern_mismatch":
        expected = PATTERN_WORDS.get(error["ctx"]["pattern"], error["ctx"]["pattern"])
        message = f"{error['input']!r} has the wrong form (expected {expected})"
    return message


def parse(data: dict) -> Settings:
    problems = _cross_problems(data)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_key(e['loc']) or '(top level)'}: {_plain(e)}" for e in exc.errors()] + (
            problems
        )
    if problems:
        raise ConfigError(problems)
    return settings


def load(path: str | os.PathLike | None = None) -> Settings:
    path = Path(path or os.environ.get("FRONTDESK_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror})"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML ({exc})"]) from None
    return parse(data)
