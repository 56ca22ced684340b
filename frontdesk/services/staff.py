"""Staff accounts and device tokens: who may use the system, and proof of who is asking."""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import cache

from sqlmodel import select
from werkzeug.security import check_password_hash, generate_password_hash

from frontdesk.queue import errors
from frontdesk.queue.model import DEVICE_ROLES, STAFF_ROLES, ApiToken, Role, User
from frontdesk.services.core import Actor, Core

USERNAME = re.compile(r"^[A-Za-z0-9._-]{2,80}$")
MIN_PASSWORD = 10


def add_user(core: Core, actor: Actor, username: str, role: str, password: str) -> dict:
    if not USERNAME.match(username):
        raise errors.InvalidInput(field="username")
    if role not in {r.value for r in STAFF_ROLES}:
        raise errors.InvalidInput(field="role")
    if len(password) < MIN_PASSWORD:
        raise errors.InvalidInput(field="password", minimum=MIN_PASSWORD)
    with core.unit_of_work() as uow:
        if uow.session.exec(select(User).where(User.username == username)).first():
            raise errors.InvalidInput(field="username", taken=username)
        user = User(
            username=username,
            role=Role(role),
            password_hash=generate_password_hash(password),
            created_at=uow.now,
        )
        uow.session.add(user)
        uow.log("user.added", actor, username=username, role=role)
        uow.commit()
    return {"username": username, "role": role}


def authenticate(core: Core, username: str, password: str) -> Actor | None:
    with core.reading() as session:
        user = session.exec(select(User).where(User.username == username)).first()
    # Check a hash even for unknown names so response time does not reveal which names exist.
    stored = user.password_hash if user else _dummy_hash()
    if not check_password_hash(stored, password) or user is None or not user.active:
        return None
    return Actor(user.username, user.role.value)


def staff_actor(core: Core, username: str) -> Actor | None:
    """The actor behind a session cookie, if the account still exists and is active."""
    with core.reading() as session:
        user = session.exec(select(User).where(User.username == username)).first()
    return Actor(user.username, user.role.value) if user and user.active else None


def add_token(core: Core, actor: Actor, name: str, role: str) -> str:
    """Create a device token and return it; it is never shown again (only its hash is kept)."""
    if not 1 <= len(name) <= 80:
        raise errors.InvalidInput(field="name")
    if role not in {r.value for r in DEVICE_ROLES}:
        raise errors.InvalidInput(field="role")
    token = secrets.token_urlsafe(32)
    with core.unit_of_work() as uow:
        uow.session.add(
            ApiToken(name=name, role=Role(role), token_hash=_digest(token), created_at=uow.now)
        )
        uow.log("token.added", actor, name=name, role=role)
        uow.commit()
    return token


def token_actor(core: Core, token: str) -> Actor | None:
    if not token or len(token) > 200:
        return None
    with core.reading() as session:
        found = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    return Actor(found.name, found.role.value) if found and not found.revoked else None


def _digest(token: str) -> str:
    # Tokens are long and random, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(token.encode()).hexdigest()


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(8))
