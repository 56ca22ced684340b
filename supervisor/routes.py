from __future__ import annotations

from datetime import date, timedelta

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from frontdesk.api.routes import incident_filters
from frontdesk.auth import INCIDENT_READERS, SUPERVISORS, current_actor
from frontdesk.pages.routes import require_staff_page
from frontdesk.queue import errors, rules
from frontdesk.services import incidents, reports
from supervisor import bp, charts

# The longest range a report page covers: a year of days is still one quick read.
LONGEST_RANGE = timedelta(days=366)


def core():
    return current_app.extensions["frontdesk"]


@bp.get("/supervisor")
def board():
    refusal = require_staff_page(*SUPERVISORS, "security")
    if refusal is not None:
        return refusal
    return render_template(
        "supervisor/board.html", settings=core().settings, role=current_actor().role
    )


@bp.get("/supervisor/incidents")
def incident_list():
    refusal = require_staff_page(*INCIDENT_READERS)
    if refusal is not None:
        return refusal
    actor = current_actor()
    try:
        filters = incident_filters(request.args)
    except errors.DomainError:
        flash(_("The filter is not valid; showing every report."), "error")
        filters = incidents.Filters()
    found = incidents.listing(core(), actor, filters)
    if request.args.get("format") == "csv":
        return Response(
            incidents.as_csv(found),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=frontdesk-incidents.csv"},
        )
    return render_template(
        "supervisor/incidents.html",
        settings=core().settings,
        reports=found,
        filters=filters,
        role=actor.role,
        args=request.args,
    )


@bp.route("/supervisor/incidents/<id:incident_id>", methods=["GET", "POST"])
def incident_page(incident_id: int):
    refusal = require_staff_page(*INCIDENT_READERS)
    if refusal is not None:
        return refusal
    actor = current_actor()
    try:
        if request.method == "POST":
            changes = {name: request.form.get(name, "") for name in incidents.TEXT_FIELDS}
            changes |= {name: request.form.get(name) == "yes" for name in incidents.FLAG_FIELDS}
            incidents.update(core(), actor, incident_id, changes)
            flash(_("The report is saved."), "ok")
            return redirect(url_for("supervisor.incident_page", incident_id=incident_id))
        report = incidents.get(core(), actor, incident_id)
    except errors.UnknownIncident:
        return render_template("pages/forbidden.html"), 404
    except errors.IncidentReadOnly:
        return render_template("pages/forbidden.html"), 403
    except errors.InvalidInput:
        flash(_("A field is too long; nothing was saved."), "error")
        return redirect(url_for("supervisor.incident_page", incident_id=incident_id))
    return render_template(
        "supervisor/incident.html", settings=core().settings, report=report, role=actor.role
    )


@bp.get("/supervisor/reports")
def report_page():
    refusal = require_staff_page(*SUPERVISORS)
    if refusal is not None:
        return refusal
    settings = core().settings
    today = rules.office_day(core().clock(), settings.office.zone)
    try:
        since = date.fromisoformat(request.args.get("from") or today.isoformat())
        until = date.fromisoformat(request.args.get("to") or since.isoformat())
    except ValueError:
        flash(_("Dates are written as YYYY-MM-DD; showing today."), "error")
        since = until = today
    if until < since or until - since > LONGEST_RANGE:
        flash(_("The range must run forwards and cover at most a year; showing today."), "error")
        since = until = today
    figures = reports.summary(core(), since, until)
    if request.args.get("format") == "csv":
        return Response(
            reports.summary_csv(figures),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename=frontdesk-{since}-{until}.csv"},
        )
    ui = _ui_language()
    names = {s.code: s.names.get(ui) for s in settings.services}
    reason_names = {r.id: r.names.get(ui) for r in settings.out_of_order_reasons}
    per_hour: dict[int, int] = {}
    for row in figures["services"]:
        for hour, count in row["by_hour"].items():
            per_hour[int(hour)] = per_hour.get(int(hour), 0) + count
    span = range(min(per_hour, default=8), max(per_hour, default=15) + 1)
    pictures = {
        "hours": charts.columns(
            _("Tickets issued per hour"), [(f"{h}", per_hour.get(h, 0)) for h in span]
        ),
        "waits": charts.bars(
            _("Waits per service: median and 90th percentile, in minutes"),
            [
                (names.get(r["service"], r["service"]), r["wait_median_min"])
                for r in figures["services"]
            ],
            " min",
            second=[r["wait_p90_min"] for r in figures["services"]],
        ),
        "desks": charts.bars(
            _("Alerts per desk"), [(str(r["desk"]), r["alerts"]) for r in figures["desks"]]
        ),
        "reasons": charts.bars(
            _("Calls out of turn by reason"),
            [(reason_names.get(k, k), v) for k, v in figures["out_of_order_by_reason"].items()],
        ),
    }
    return render_template(
        "supervisor/reports.html",
        settings=settings,
        figures=figures,
        names=names,
        pictures=pictures,
        since=since,
        until=until,
        role="supervisor",
    )


def _ui_language() -> str:
    from flask_babel import get_locale

    return str(get_locale())[:2]
