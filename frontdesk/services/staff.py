"""Staff accounts and device tokens: who may use the system, and proof of who is asking."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import cache

from sqlmodel import col, select
from werkzeug.security import check_password_hash, generate_password_hash

from frontdesk.queue import errors
from frontdesk.queue.model import DEVICE_ROLES, STAFF_ROLES, ApiToken, AuditEvent, Role, User
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
    # A name that cannot exist is not looked up (PostgreSQL refuses NUL bytes, for one).
    user = None
    if USERNAME.match(username):
        with core.reading() as session:
            user = session.exec(select(User).where(User.username == username)).first()
    # Check a hash even for unknown names so response time does not reveal which names exist.
    stored = user.password_hash if user else _dummy_hash()
    if not check_password_hash(stored, password) or user is None or not user.active:
        return None
    return Actor(user.username, user.role.value)


# Sessions. A signed cookie cannot be taken back, so each one names its start (the id of its
# `session.started` entry in the audit log) and a fingerprint of the password it was opened
# with; it is honoured only while the account is active, the password unchanged, and no
# `session.ended` of that account is logged after its start. Signing out therefore ends every
# session of that account, on every device: a copied cookie stops working too.


@dataclass(frozen=True)
class SessionMark:
    started: int
    password: str


def start_session(core: Core, actor: Actor) -> SessionMark:
    with core.unit_of_work() as uow:
        user = uow.session.exec(select(User).where(User.username == actor.name)).one()
        entry = uow.log("session.started", actor)
        uow.session.flush()
        mark = SessionMark(entry.id, _fingerprint(user.password_hash))
        uow.commit()
    return mark


def end_sessions(core: Core, actor: Actor) -> None:
    with core.unit_of_work() as uow:
        uow.log("session.ended", actor)
        uow.commit()


def session_actor(core: Core, username: str, mark: SessionMark) -> Actor | None:
    """The actor behind a session cookie, if that session is still good (see above)."""
    with core.reading() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None or not user.active:
            return None
        if not secrets.compare_digest(mark.password, _fingerprint(user.password_hash)):
            return None
        actor = Actor(user.username, user.role.value)
        ended = session.exec(
            select(AuditEvent.id)
            .where(AuditEvent.kind == "session.ended")
            .where(AuditEvent.actor == actor.label)
            .where(col(AuditEvent.id) > mark.started)
            .limit(1)
        ).first()
    return None if ended is not None else actor


def _fingerprint(password_hash: str) -> str:
    # Enough to notice a new password; the hash itself never goes into a cookie.
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def change_password(core: Core, actor: Actor, username: str, password: str) -> None:
    """A new password; the account's open sessions end with the old one."""
    if len(password) < MIN_PASSWORD:
        raise errors.InvalidInput(field="password", minimum=MIN_PASSWORD)
    with core.unit_of_work() as uow:
        user = _user(uow.session, username)
        user.password_hash = generate_password_hash(password)
        uow.session.add(user)
        uow.log("user.password_changed", actor, username=username)
        uow.commit()


def disable_user(core: Core, actor: Actor, username: str) -> None:
    """The account can no longer sign in, and its open sessions end at their next request."""
    with core.unit_of_work() as uow:
        user = _user(uow.session, username)
        user.active = False
        uow.session.add(user)
        uow.log("user.disabled", actor, username=username)
        uow.commit()


def _user(session, username: str) -> User:
    user = None
    if USERNAME.match(username):
        user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise errors.InvalidInput(field="username", unknown=username)
    return user


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


def list_tokens(core: Core) -> list[dict]:
    with core.reading() as session:
        found = session.exec(select(ApiToken).order_by(col(ApiToken.id))).all()
    return [
        {
            "id": t.id,
            "name": t.name,
            "role": t.role.value,
            "created_at": t.created_at,
            "revoked": t.revoked,
        }
        for t in found
    ]


def revoke_token(core: Core, actor: Actor, name_or_id: str) -> dict:
    """Revoke one token, named by its id or its name. A name that several live tokens share
    is refused: revoking the wrong kiosk would be as bad as not revoking at all."""
    with core.unit_of_work() as uow:
        query = select(ApiToken).where(~col(ApiToken.revoked))
        if name_or_id.isdigit() and int(name_or_id) <= 2**31 - 1:
            by_id = uow.session.get(ApiToken, int(name_or_id))
            found = [by_id] if by_id is not None and not by_id.revoked else []
        else:
            found = []
        if not found and "\x00" not in name_or_id:
            found = list(uow.session.exec(query.where(ApiToken.name == name_or_id)).all())
        if not found:
            raise errors.InvalidInput(field="token", unknown=name_or_id)
        if len(found) > 1:
            ids = ", ".join(str(t.id) for t in found)
            raise errors.InvalidInput(field="token", ambiguous=name_or_id, ids=ids)
        token = found[0]
        token.revoked = True
        uow.session.add(token)
        uow.log("token.revoked", actor, name=token.name, role=token.role.value, token=token.id)
        uow.commit()
        return {"id": token.id, "name": token.name, "role": token.role.value}
