"""Request bodies, checked strictly: unknown fields and wrong types are refused, not ignored."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, Field

from frontdesk.queue.errors import DomainError


class BadJson(DomainError):
    code = "bad_json"
    status = 400


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


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
    desk: int
    reason: str = Field(max_length=40)


class Transfer(Body):
    service: str | None = Field(default=None, max_length=40)
    desk: int | None = None


class PriorityCheck(Body):
    accepted: bool


class QueueJumpDemand(Body):
    ticket_id: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, max_length=500)


class NewAlert(Body):
    desk: int | None = None
    kind: str = Field(max_length=40)
    silent: bool = False
    ticket_id: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, max_length=2000)


class AlertNote(Body):
    note: str | None = Field(default=None, max_length=2000)


B = TypeVar("B", bound=Body)


def parse(model: type[B], *, optional: bool = False) -> B:
    """The JSON body as `model`. Requiring JSON also keeps cross-site forms out (CSRF)."""
    if optional and not request.get_data():
        return model()
    data = request.get_json(silent=True) if request.is_json else None
    if not isinstance(data, dict):
        raise BadJson()
    return model.model_validate(data)
