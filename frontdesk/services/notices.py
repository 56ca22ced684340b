"""The office message line on the hall displays ("Desk 3 closes at 14:00"), set by a
supervisor. Kept in the audit log rather than a table of its own: the log already holds who
said what and when, and the line is simply its latest entry of this kind."""

from __future__ import annotations

from sqlmodel import Session, col, select

from frontdesk import events as ev
from frontdesk.queue import errors
from frontdesk.queue.model import AuditEvent
from frontdesk.services.core import Actor, Core
from frontdesk.services.views import iso

KIND = "office.message"
MAX_LENGTH = 200


def set_message(core: Core, actor: Actor, text: str) -> dict:
    """Show `text` on every display; an empty text clears the line."""
    # One line: a TV has room for no more, and stray line breaks would shift the layout.
    text = " ".join(text.split())
    if len(text) > MAX_LENGTH:
        raise errors.InvalidInput(field="text", maximum=MAX_LENGTH)
    with core.unit_of_work() as uow:
        entry = uow.log(KIND, actor, text=text)
        message = {"text": text, "set_at": iso(entry.at)}
        uow.emit(ev.Event(ev.OFFICE_MESSAGE, message, (ev.DISPLAYS, ev.STAFF)))
        uow.commit()
    return message


def current_message(session: Session) -> dict:
    entry = session.exec(
        select(AuditEvent).where(AuditEvent.kind == KIND).order_by(col(AuditEvent.id).desc())
    ).first()
    if entry is None:
        return {"text": "", "set_at": None}
    return {"text": str(entry.data.get("text", "")), "set_at": iso(entry.at)}
