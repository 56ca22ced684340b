"""Request bodies, checked strictly: unknown fields and wrong types are refused, not ignored."""

from __future__ import annotations

import re
from datetime import date
from typing import TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from frontdesk.queue.errors import DomainError


class BadJson(DomainError):
    code = "bad_json"
    status = 400


# Ticket ids as issued (frontdesk.queue.model.new_ticket_id); integers are bounded to the
# database's 32-bit columns on PostgreSQL.
TICKET_ID = r"^[A-Za-z0-9_-]{1,32}$"
# The Idempotency-Key header of POST /tickets: a UUID fits, and so does any other random name.
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,64}")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        # PostgreSQL cannot store NUL in text; nobody means to send one.
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("NUL characters are not allowed")
        return value


class Login(Body):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class NewTicket(Body):
    service: str = Field(max_length=40)
    language: str = Field(max_length=2)
    needs: list[str] = Field(default_factory=list, max_length=20)
    priority: str | None = Field(default=None, max_length=40)
    print: bool | None = None


class OutOfOrderCall(Body):
    desk: int = Field(ge=-(2**31), le=2**31 - 1)
    reason: str = Field(max_length=40)


class Transfer(Body):
    service: str | None = Field(default=None, max_length=40)
    desk: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)


class Finish(Body):
    outcome: str | None = Field(default=None, max_length=40)


class DeskBreak(Body):
    reason: str | None = Field(default=None, max_length=40)


class ContactAddress(Body):
    email: str = Field(max_length=254)
    # The visitor accepted the consent and retention notice shown beside the address field.
    consent: bool


class FollowUpBody(Body):
    promise: str = Field(min_length=1, max_length=2000)
    due: date = Field(strict=False)


class Summary(Body):
    text: str = Field(min_length=1, max_length=4000)


class PriorityCheck(Body):
    accepted: bool


class QueueJumpDemand(Body):
    ticket_id: str | None = Field(default=None, pattern=TICKET_ID)
    note: str | None = Field(default=None, max_length=500)


class NewAlert(Body):
    desk: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)
    kind: str = Field(max_length=40)
    silent: bool = False
    ticket_id: str | None = Field(default=None, pattern=TICKET_ID)
    note: str | None = Field(default=None, max_length=2000)


class AlertNote(Body):
    note: str | None = Field(default=None, max_length=2000)


class IncidentChanges(Body):
    """What the supervisor and the clerk add to an incident report; fields left out stay."""

    what_happened: str | None = Field(default=None, max_length=4000)
    what_was_said: str | None = Field(default=None, max_length=4000)
    witnesses: str | None = Field(default=None, max_length=2000)
    actions_taken: str | None = Field(default=None, max_length=4000)
    police_called: bool | None = None
    medical_called: bool | None = None


class OfficeMessage(Body):
    # Generous here; the service gives the precise limit in its error.
    text: str = Field(max_length=2000)


B = TypeVar("B", bound=Body)


def parse(model: type[B], *, optional: bool = False) -> B:
    """The JSON body as `model` (cross-site checks are in frontdesk.security)."""
    if optional and not request.get_data():
        return model()
    try:
        data = request.get_json(silent=True) if request.is_json else None
    except RecursionError:
        # JSON nested thousands deep: Python's parser gives up before reaching the end.
        data = None
    if not isinstance(data, dict):
        raise BadJson()
    return model.model_validate(data)
