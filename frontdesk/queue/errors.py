"""Named domain errors. Each has a stable code; surfaces translate the code for the user."""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse. `code` is stable for clients, `params` fill the message."""

    code = "domain_error"
    status = 409

    def __init__(self, **params: object):
        self.params = params
        super().__init__(f"{self.code} {params}" if params else self.code)


class NotFound(DomainError):
    code = "not_found"
    status = 404


class InvalidInput(DomainError):
    """Input that cannot mean anything: unknown service, bad language, malformed body."""

    code = "invalid_input"
    status = 400


class UnknownService(InvalidInput):
    code = "unknown_service"


class UnknownDesk(NotFound):
    code = "unknown_desk"


class UnknownTicket(NotFound):
    code = "unknown_ticket"


class UnknownAlert(NotFound):
    code = "unknown_alert"


class UnknownReason(InvalidInput):
    code = "unknown_reason"


class UnknownPriority(InvalidInput):
    code = "unknown_priority"


class UnknownNeed(InvalidInput):
    code = "unknown_need"


class UnknownLanguage(InvalidInput):
    code = "unknown_language"


class UnknownAlertKind(InvalidInput):
    code = "unknown_alert_kind"


class ServiceClosed(DomainError):
    """Outside opening hours, or past the service's last-ticket time today."""

    code = "service_closed"


class ServiceFull(DomainError):
    """The service's daily ticket cap is reached."""

    code = "service_full"


class InvalidTransition(DomainError):
    """The ticket's state does not allow this step (e.g. finishing a waiting ticket)."""

    code = "invalid_transition"


class DeskBusy(DomainError):
    """The desk still holds a visitor; finish, transfer or mark them absent first."""

    code = "desk_busy"


class RecallLimitReached(DomainError):
    code = "recall_limit_reached"


class ReinstateWindowPassed(DomainError):
    code = "reinstate_window_passed"


class NoPriorityToVerify(DomainError):
    code = "no_priority_to_verify"


class AlertAlreadyClosed(DomainError):
    code = "alert_closed"


class DeskTaken(DomainError):
    """Another clerk has this desk open: they close it first, or a supervisor takes it over."""

    code = "desk_taken"


class NotYourDesk(DomainError):
    """The ticket is held by a desk the caller does not have open."""

    code = "not_your_desk"
    status = 403


class DeskClosed(DomainError):
    code = "desk_closed"


class UnknownBreakReason(InvalidInput):
    code = "unknown_break_reason"


class UnknownOutcome(InvalidInput):
    code = "unknown_outcome"


class UnknownIncident(NotFound):
    """No such report, or one the caller may not read: both look the same from outside."""

    code = "unknown_incident"


class IncidentReadOnly(DomainError):
    code = "incident_read_only"
    status = 403


class InvalidEmail(InvalidInput):
    code = "invalid_email"


class ConsentMissing(InvalidInput):
    """An address is kept only with the visitor's consent to the notice shown beside it."""

    code = "consent_missing"


class MailUnavailable(DomainError):
    """The office has no mail server configured, so no address is taken."""

    code = "mail_unavailable"


class TicketNotLive(DomainError):
    """A finished or past ticket: nothing more will be sent about it."""

    code = "ticket_not_live"


class NoContact(DomainError):
    code = "no_contact"


class UnknownFollowUp(NotFound):
    code = "unknown_follow_up"


class FollowUpTooLate(InvalidInput):
    """A promise due after the retention: the address would be erased before it is kept."""

    code = "follow_up_too_late"
