"""The OpenAPI document, built from the request models so it cannot drift from them."""

from __future__ import annotations

from functools import cache

from frontdesk import __version__
from frontdesk.api import schemas
from frontdesk.security import CSRF_HEADER, MAX_ID, TicketIdConverter

# path, method, summary, who may call, request body model, success status
OPERATIONS = [
    (
        "/session",
        "post",
        "Sign in (staff); the reply carries the CSRF token",
        "anyone",
        schemas.Login,
        200,
    ),
    ("/session", "get", "Who is signed in, and the session's CSRF token", "anyone", None, 200),
    ("/session", "delete", "Sign out", "anyone", None, 204),
    ("/services", "get", "Services with queue length and estimate", "anyone", None, 200),
    ("/tickets", "post", "Issue a ticket", "kiosk, staff", schemas.NewTicket, 201),
    ("/tickets/{id}", "get", "A ticket with its place and estimate", "holder of the id", None, 200),
    (
        "/tickets/{id}/cancel",
        "post",
        "The visitor gives up their place",
        "holder of the id",
        None,
        200,
    ),
    (
        "/desks/{desk}/call-next",
        "post",
        "Call the next ticket (204: nobody waits)",
        "staff",
        None,
        200,
    ),
    (
        "/desks/{desk}",
        "get",
        "The desk's console: its visitor, next up, who waits, no-shows to reinstate, queues",
        "staff",
        None,
        200,
    ),
    ("/desks/{desk}/open", "post", "Open a desk (or come back from a break)", "staff", None, 200),
    (
        "/desks/{desk}/pause",
        "post",
        "A break, with a configured reason",
        "staff",
        schemas.DeskBreak,
        200,
    ),
    ("/desks/{desk}/close", "post", "Close a desk", "staff", None, 200),
    (
        "/desks/{desk}/queue-jump-demands",
        "post",
        "Log a demand to be served out of turn",
        "staff",
        schemas.QueueJumpDemand,
        201,
    ),
    (
        "/tickets/{id}/call",
        "post",
        "Call a ticket out of order, with a configured reason",
        "staff",
        schemas.OutOfOrderCall,
        200,
    ),
    ("/tickets/{id}/recall", "post", "Announce a called number again", "staff", None, 200),
    ("/tickets/{id}/start", "post", "Start serving", "staff", None, 200),
    (
        "/tickets/{id}/finish",
        "post",
        "Finish serving, with a configured outcome",
        "staff",
        schemas.Finish,
        200,
    ),
    ("/tickets/{id}/no-show", "post", "Mark as absent", "staff", None, 200),
    (
        "/tickets/{id}/reinstate",
        "post",
        "Put an absent ticket back in its place",
        "staff",
        None,
        200,
    ),
    (
        "/tickets/{id}/transfer",
        "post",
        "Transfer, keeping the place",
        "staff",
        schemas.Transfer,
        200,
    ),
    (
        "/tickets/{id}/verify-priority",
        "post",
        "Accept or reject a declared priority",
        "staff",
        schemas.PriorityCheck,
        200,
    ),
    ("/alerts", "post", "Raise a supervisor alert", "staff", schemas.NewAlert, 201),
    (
        "/alerts/{id}/ack",
        "post",
        "Acknowledge: on my way",
        "supervisor; security once escalated",
        None,
        200,
    ),
    (
        "/alerts/{id}/resolve",
        "post",
        "Close an alert; a desk's alert opens an incident report (incident_id)",
        "supervisor",
        schemas.AlertNote,
        200,
    ),
    (
        "/board",
        "get",
        "The live board's figures: longest waits, long waits, held visitors, today's out-of-turn "
        "calls and queue-jump demands",
        "supervisor",
        None,
        200,
    ),
    (
        "/incidents",
        "get",
        "Incident reports the caller may read (JSON, or CSV with Accept: text/csv)",
        "supervisor: all; clerk: their own; security: those they answered",
        None,
        200,
    ),
    (
        "/incidents/{id}",
        "get",
        "One incident report",
        "as GET /incidents",
        None,
        200,
    ),
    (
        "/incidents/{id}",
        "patch",
        "Complete an incident report",
        "supervisor; the clerk of the report",
        schemas.IncidentChanges,
        200,
    ),
    ("/state", "get", "Snapshot of calls, queues, desks, alerts", "staff, display", None, 200),
    ("/office-message", "get", "The message line of the hall displays", "anyone", None, 200),
    (
        "/office-message",
        "put",
        "Set the displays' message line (empty text clears it)",
        "supervisor",
        schemas.OfficeMessage,
        200,
    ),
    (
        "/tickets/{id}/contact",
        "get",
        "The e-mail address given for the ticket (or null)",
        "holder of the id",
        None,
        200,
    ),
    (
        "/tickets/{id}/contact",
        "put",
        "Give or correct the e-mail address, with consent; the ticket is sent to it",
        "holder of the id",
        schemas.ContactAddress,
        200,
    ),
    (
        "/tickets/{id}/contact",
        "delete",
        "Withdraw the address; unsent messages to it are dropped",
        "holder of the id",
        None,
        204,
    ),
    (
        "/tickets/{id}/follow-ups",
        "post",
        "Record what was promised and by when",
        "staff",
        schemas.FollowUpBody,
        201,
    ),
    ("/follow-ups", "get", "The office's open follow-ups, soonest due first", "staff", None, 200),
    ("/follow-ups/{id}/done", "post", "Mark a follow-up done", "staff", None, 200),
    (
        "/tickets/{id}/summary",
        "post",
        "E-mail the visitor a written summary in their language",
        "staff",
        schemas.Summary,
        202,
    ),
    ("/mail/status", "get", "Whether messages to visitors are going out", "supervisor", None, 200),
    (
        "/reports/daily",
        "get",
        "The day's figures (JSON, or CSV with Accept: text/csv)",
        "supervisor",
        None,
        200,
    ),
]

# Answers besides the success status and the 4XX errors.
OTHER_RESPONSES = {("/desks/{desk}/call-next", "post"): {"204": {"description": "Nobody waits"}}}

# Bodies that may be left out altogether.
OPTIONAL_BODIES = (schemas.AlertNote, schemas.QueueJumpDemand, schemas.Finish, schemas.DeskBreak)

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        }
    },
}


@cache
def document() -> dict:
    paths: dict = {}
    components: dict = {"Error": ERROR}
    for path, method, summary, who, body, status in OPERATIONS:
        operation: dict = {
            "summary": summary,
            "description": f"Who may call: {who}.",
            "responses": {
                str(status): {"description": "Success"},
                **OTHER_RESPONSES.get((path, method), {}),
                "4XX": {
                    "description": "Refused; the message is in the caller's language",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
        if body is not None:
            components[body.__name__] = body.model_json_schema()
            operation["requestBody"] = {
                "required": body not in OPTIONAL_BODIES,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{body.__name__}"}
                    }
                },
            }
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": (
                    {"type": "integer", "minimum": 0, "maximum": MAX_ID}
                    if name == "desk" or path.startswith(("/alerts", "/incidents", "/follow-ups"))
                    else {"type": "string", "pattern": f"^{TicketIdConverter.regex}$"}
                ),
            }
            for name in ("id", "desk")
            if "{" + name + "}" in path
        ]
        if path == "/incidents":
            parameters += [
                {"name": name, "in": "query", "required": False, "schema": schema}
                for name, schema in (
                    ("from", {"type": "string", "format": "date"}),
                    ("to", {"type": "string", "format": "date"}),
                    ("desk", {"type": "integer"}),
                    ("kind", {"type": "string"}),
                    ("clerk", {"type": "string"}),
                )
            ]
        if path == "/reports/daily":
            parameters.append(
                {
                    "name": "date",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "format": "date"},
                }
            )
        if parameters:
            operation["parameters"] = parameters
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "frontdesk API", "version": __version__},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                # With the session cookie, every write also sends the token from POST /session.
                "csrf": {"type": "apiKey", "in": "header", "name": CSRF_HEADER},
            },
        },
        "security": [{"bearer": []}, {"session": [], "csrf": []}, {}],
        "paths": paths,
    }
