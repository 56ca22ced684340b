"""What each error code says to a person, in their language."""

from __future__ import annotations

from flask_babel import gettext as _


def N_(text: str) -> str:
    """Marks a message for the catalogue; it is translated when used (pybabel -k N_)."""
    return text


MESSAGES = {
    "not_found": N_("Not found."),
    "invalid_input": N_("The request is not valid: %(field)s."),
    "unknown_service": N_("There is no service called “%(service)s”."),
    "unknown_desk": N_("There is no desk number %(desk)s."),
    "unknown_ticket": N_("There is no such ticket."),
    "unknown_alert": N_("There is no such alert."),
    "unknown_reason": N_(
        "“%(reason)s” is not one of the office's reasons for calling out of turn."
    ),
    "unknown_priority": N_("“%(priority)s” is not a priority this office recognises."),
    "unknown_need": N_("“%(need)s” is not a need this office lists."),
    "unknown_language": N_("Language “%(language)s” is not served here."),
    "unknown_alert_kind": N_("“%(kind)s” is not a kind of alert."),
    "service_closed": N_("No more tickets are issued for this service today."),
    "service_full": N_("All of today's tickets for this service have been issued."),
    "invalid_transition": N_("A ticket that is %(status)s cannot be moved to %(target)s."),
    "desk_busy": N_("Desk %(desk)s is still serving %(ticket)s: finish it first."),
    "desk_taken": N_(
        "Desk %(desk)s is open for %(clerk)s. They close it first, or a supervisor takes it over."
    ),
    "not_your_desk": N_(
        "%(ticket)s is with desk %(desk)s (%(clerk)s). "
        "Only that desk or a supervisor can act on it."
    ),
    "desk_closed": N_("Desk %(desk)s is closed: open it first."),
    "unknown_break_reason": N_("“%(reason)s” is not one of the office's reasons for a break."),
    "unknown_outcome": N_("“%(outcome)s” is not one of the office's outcomes of a visit."),
    "recall_limit_reached": N_(
        "This number has been called %(limit)s times already; mark it as absent."
    ),
    "reinstate_window_passed": N_(
        "More than %(minutes)s minutes have passed; the ticket cannot be restored."
    ),
    "no_priority_to_verify": N_("This ticket has no priority to check."),
    "alert_closed": N_("This alert is already closed."),
    "unknown_incident": N_("There is no such incident report."),
    "incident_read_only": N_("You may read this incident report but not change it."),
    "invalid_email": N_("This does not look like an e-mail address. Please check it."),
    "consent_missing": N_("We can keep the address only if you agree to the notice."),
    "mail_unavailable": N_("This office does not send e-mail."),
    "ticket_not_live": N_("This ticket is no longer in the queue."),
    "no_contact": N_("No e-mail address was given for this ticket."),
    "unknown_follow_up": N_("There is no such follow-up."),
    "follow_up_too_late": N_(
        "The visitor's data is erased on %(date)s: promise a date before that."
    ),
    "unauthorized": N_("Please sign in."),
    "forbidden": N_("Your role does not allow this."),
    "bad_credentials": N_("Wrong user name or password."),
    "bad_json": N_("The request body must be a JSON object."),
    "method_not_allowed": N_("This method is not allowed here."),
    "csrf_failed": N_(
        "This request did not come from a frontdesk page. Reload the page and try again."
    ),
    "rate_limited": N_("Too many requests. Please wait a moment and try again."),
    "too_large": N_("The request is too large."),
    "server_error": N_("Something went wrong on our side. Please try again."),
}


class _Blanks(dict):
    """Fills a placeholder the error did not supply with a blank rather than failing."""

    def __missing__(self, key: str) -> str:
        return "?"


def message(code: str, params: dict | None = None) -> str:
    template = MESSAGES.get(code, MESSAGES["invalid_input"])
    values = _Blanks({k: v for k, v in (params or {}).items() if v is not None})
    return _(template) % values
