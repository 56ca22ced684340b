"""The JSON API (docs/api.md, /api/v1/openapi.json). Each route: check the caller, parse,
call one service, shape the reply."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, jsonify, request
from flask_login import current_user

from frontdesk.api import bp, schemas
from frontdesk.api.errors import error_response
from frontdesk.api.openapi import document
from frontdesk.auth import (
    INCIDENT_READERS,
    ISSUERS,
    RESPONDERS,
    STAFF,
    SUPERVISORS,
    VIEWERS,
    requires,
    sign_in,
    sign_out,
)
from frontdesk.queue import errors
from frontdesk.queue.model import Ticket
from frontdesk.security import csrf_token
from frontdesk.services import alerts, desks, incidents, notices, reports, staff, tickets, views
from frontdesk.services.core import Actor, Core


def core() -> Core:
    return current_app.extensions["frontdesk"]


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.post("/session")
def login():
    body = schemas.parse(schemas.Login)
    actor = staff.authenticate(core(), body.username, body.password)
    if actor is None:
        return error_response(401, "bad_credentials")
    sign_in(actor)
    # A cookie session must send this token with every write (X-CSRFToken).
    return jsonify({"username": actor.name, "role": actor.role, "csrf_token": csrf_token()})


@bp.get("/session")
def who_am_i():
    """The signed-in staff member (or null) and the session's CSRF token."""
    user = None
    if current_user.is_authenticated:
        user = {"username": current_user.actor.name, "role": current_user.actor.role}
    return jsonify({"user": user, "csrf_token": csrf_token()})


@bp.delete("/session")
def logout():
    sign_out()
    return "", 204


@bp.get("/services")
def services():
    with core().reading() as session:
        return jsonify({"services": views.services_overview(core(), session)})


@bp.post("/tickets")
@requires(*ISSUERS)
def issue(actor: Actor):
    body = schemas.parse(schemas.NewTicket)
    key = request.headers.get("Idempotency-Key")
    if key is not None and not schemas.IDEMPOTENCY_KEY.fullmatch(key):
        return error_response(
            400, "invalid_input", {"field": "Idempotency-Key"}, fields=["Idempotency-Key"]
        )
    view, created = tickets.issue_ticket_once(
        core(),
        actor,
        key,
        service=body.service,
        language=body.language,
        needs=body.needs,
        priority=body.priority,
        print_ticket=body.print if body.print is not None else actor.role == "kiosk",
    )
    # A retry of an attempt that already made its ticket: the same ticket, nothing new.
    return jsonify(view), 201 if created else 200


@bp.get("/tickets/<ticket_id:ticket_id>")
def ticket(ticket_id: str):
    # Holding the unguessable id is the permission: it is what the visitor's QR code carries.
    with core().reading() as session:
        found = session.get(Ticket, ticket_id)
        if found is None:
            raise errors.UnknownTicket(ticket=ticket_id)
        return jsonify(views.ticket_view(core(), session, found))


@bp.post("/tickets/<ticket_id:ticket_id>/cancel")
def cancel(ticket_id: str):
    return jsonify(tickets.cancel(core(), Actor("visitor", "public"), ticket_id))


@bp.post("/desks/<id:desk>/call-next")
@requires(*STAFF)
def call_next(desk: int, actor: Actor):
    view = tickets.call_next(core(), actor, desk)
    return (jsonify(view), 200) if view else ("", 204)


@bp.post("/desks/<id:desk>/open")
@requires(*STAFF)
def open_desk(desk: int, actor: Actor):
    return jsonify(desks.open_desk(core(), actor, desk))


@bp.post("/desks/<id:desk>/pause")
@requires(*STAFF)
def pause_desk(desk: int, actor: Actor):
    body = schemas.parse(schemas.DeskBreak, optional=True)
    return jsonify(desks.pause_desk(core(), actor, desk, body.reason))


@bp.get("/desks/<id:desk>")
@requires(*STAFF)
def desk_console(desk: int, actor: Actor):
    return jsonify(desks.console(core(), desk))


@bp.post("/desks/<id:desk>/close")
@requires(*STAFF)
def close_desk(desk: int, actor: Actor):
    return jsonify(desks.close_desk(core(), actor, desk))


@bp.post("/desks/<id:desk>/queue-jump-demands")
@requires(*STAFF)
def queue_jump_demand(desk: int, actor: Actor):
    body = schemas.parse(schemas.QueueJumpDemand, optional=True)
    logged = desks.log_queue_jump_demand(
        core(), actor, desk, ticket_id=body.ticket_id, note=body.note
    )
    return jsonify(logged | {"rules": _published_rules(logged["language"])}), 201


def _published_rules(language: str | None) -> list[dict]:
    """The office's published priority rules, for the clerk to show a visitor who insists."""
    settings = core().settings
    language = language or settings.office.default_language
    return [
        {
            "priority": p.id,
            "name": p.names.get(language),
            "explanation": p.explanation.get(language),
            "boost_minutes": p.boost_minutes,
        }
        for p in settings.priorities
    ]


@bp.post("/tickets/<ticket_id:ticket_id>/call")
@requires(*STAFF)
def call_out_of_order(ticket_id: str, actor: Actor):
    body = schemas.parse(schemas.OutOfOrderCall)
    return jsonify(tickets.call_ticket(core(), actor, ticket_id, body.desk, body.reason))


def _state_change(name: str, service):
    @requires(*STAFF)
    def view(ticket_id: str, actor: Actor):
        return jsonify(service(core(), actor, ticket_id))

    bp.add_url_rule(
        f"/tickets/<ticket_id:ticket_id>/{name}", f"ticket_{name}", view, methods=["POST"]
    )


for _name, _service in {
    "recall": tickets.recall,
    "start": tickets.start,
    "no-show": tickets.no_show,
    "reinstate": tickets.reinstate,
}.items():
    _state_change(_name, _service)


@bp.post("/tickets/<ticket_id:ticket_id>/finish")
@requires(*STAFF)
def finish(ticket_id: str, actor: Actor):
    body = schemas.parse(schemas.Finish, optional=True)
    return jsonify(tickets.finish(core(), actor, ticket_id, body.outcome))


@bp.post("/tickets/<ticket_id:ticket_id>/transfer")
@requires(*STAFF)
def transfer(ticket_id: str, actor: Actor):
    body = schemas.parse(schemas.Transfer)
    return jsonify(tickets.transfer(core(), actor, ticket_id, service=body.service, desk=body.desk))


@bp.post("/tickets/<ticket_id:ticket_id>/verify-priority")
@requires(*STAFF)
def verify_priority(ticket_id: str, actor: Actor):
    body = schemas.parse(schemas.PriorityCheck)
    return jsonify(tickets.verify_priority(core(), actor, ticket_id, body.accepted))


@bp.post("/alerts")
@requires(*STAFF)
def raise_alert(actor: Actor):
    body = schemas.parse(schemas.NewAlert)
    view = alerts.raise_alert(
        core(),
        actor,
        desk=body.desk,
        kind=body.kind,
        silent=body.silent,
        ticket_id=body.ticket_id,
        note=body.note,
    )
    return jsonify(view), 201


@bp.post("/alerts/<id:alert_id>/ack")
@requires(*RESPONDERS)
def acknowledge_alert(alert_id: int, actor: Actor):
    return jsonify(alerts.acknowledge(core(), actor, alert_id))


@bp.post("/alerts/<id:alert_id>/resolve")
@requires(*SUPERVISORS)
def resolve_alert(alert_id: int, actor: Actor):
    body = schemas.parse(schemas.AlertNote, optional=True)
    return jsonify(alerts.resolve(core(), actor, alert_id, body.note))


@bp.get("/incidents")
@requires(*INCIDENT_READERS)
def incident_list(actor: Actor):
    found = incidents.listing(core(), actor, incident_filters(request.args))
    if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
        return Response(
            incidents.as_csv(found),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=frontdesk-incidents.csv"},
        )
    return jsonify({"incidents": found})


def incident_filters(args) -> incidents.Filters:
    """The list's filters from a query string (the API's and the page's)."""

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(args[name]) if args.get(name) else None
        except ValueError:
            raise errors.InvalidInput(field=f"{name} (YYYY-MM-DD)") from None

    def word(name: str, longest: int) -> str | None:
        value = args.get(name) or None
        if value is not None and (len(value) > longest or "\x00" in value):
            raise errors.InvalidInput(field=name)
        return value

    desk = word("desk", 4)
    if desk is not None and not desk.isdigit():
        raise errors.InvalidInput(field="desk")
    return incidents.Filters(
        since=day("from"),
        until=day("to"),
        desk=int(desk) if desk else None,
        kind=word("kind", 40),
        clerk=word("clerk", 80),
    )


@bp.get("/incidents/<id:incident_id>")
@requires(*INCIDENT_READERS)
def incident(incident_id: int, actor: Actor):
    return jsonify(incidents.get(core(), actor, incident_id))


@bp.patch("/incidents/<id:incident_id>")
@requires(*INCIDENT_READERS)
def complete_incident(incident_id: int, actor: Actor):
    body = schemas.parse(schemas.IncidentChanges)
    changes = body.model_dump(exclude_none=True)
    return jsonify(incidents.update(core(), actor, incident_id, changes))


@bp.get("/state")
@requires(*VIEWERS, "security")
def state(actor: Actor):
    with core().reading() as session:
        return jsonify(views.snapshot(core(), session, actor.role))


@bp.get("/office-message")
def office_message():
    with core().reading() as session:
        return jsonify(notices.current_message(session))


@bp.put("/office-message")
@requires(*SUPERVISORS)
def set_office_message(actor: Actor):
    body = schemas.parse(schemas.OfficeMessage)
    return jsonify(notices.set_message(core(), actor, body.text))


@bp.get("/board")
@requires(*SUPERVISORS)
def board(actor: Actor):
    return jsonify(reports.board(core()))


@bp.get("/reports/daily")
@requires(*SUPERVISORS)
def daily_report(actor: Actor):
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        raise errors.InvalidInput(field="date (YYYY-MM-DD)") from None
    report = reports.daily(core(), day)
    if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
        return Response(
            reports.as_csv(report),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename=frontdesk-{day}.csv"},
        )
    return jsonify(report)
