"""Written contact (docs/privacy.md): the visitor's address, the desk's follow-ups and summary,
and how sending goes, for supervisors."""

from __future__ import annotations

from flask import current_app, jsonify

from frontdesk.api import bp, schemas
from frontdesk.auth import STAFF, SUPERVISORS, current_actor, requires
from frontdesk.services import contact
from frontdesk.services.core import Actor

VISITOR = Actor("visitor", "public")


def core():
    return current_app.extensions["frontdesk"]


@bp.get("/tickets/<ticket_id:ticket_id>/contact")
def get_contact(ticket_id: str):
    # Holding the unguessable id is the permission, as for the phone page that shows it.
    return jsonify(contact.get_contact(core(), ticket_id))


@bp.put("/tickets/<ticket_id:ticket_id>/contact")
def set_contact(ticket_id: str):
    body = schemas.parse(schemas.ContactAddress)
    actor = current_actor() or VISITOR
    return jsonify(contact.set_contact(core(), actor, ticket_id, body.email, body.consent))


@bp.delete("/tickets/<ticket_id:ticket_id>/contact")
def remove_contact(ticket_id: str):
    contact.remove_contact(core(), current_actor() or VISITOR, ticket_id)
    return "", 204


@bp.post("/tickets/<ticket_id:ticket_id>/follow-ups")
@requires(*STAFF)
def record_follow_up(ticket_id: str, actor: Actor):
    body = schemas.parse(schemas.FollowUpBody)
    return jsonify(contact.record_follow_up(core(), actor, ticket_id, body.promise, body.due)), 201


@bp.get("/follow-ups")
@requires(*STAFF)
def follow_ups(actor: Actor):
    return jsonify({"follow_ups": contact.open_follow_ups(core())})


@bp.post("/follow-ups/<id:id>/done")
@requires(*STAFF)
def close_follow_up(id: int, actor: Actor):  # noqa: A002  (the OpenAPI path names it id)
    return jsonify(contact.close_follow_up(core(), actor, id))


@bp.post("/tickets/<ticket_id:ticket_id>/summary")
@requires(*STAFF)
def send_summary(ticket_id: str, actor: Actor):
    body = schemas.parse(schemas.Summary)
    return jsonify(contact.send_summary(core(), actor, ticket_id, body.text)), 202


@bp.get("/mail/status")
@requires(*SUPERVISORS)
def mail_status(actor: Actor):
    return jsonify(contact.mail_status(core()))
