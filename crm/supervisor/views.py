"""The supervisor's pages: the live board, the wallboard, reports; and their JSON under /api/v1/supervisor."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from flask_login import current_user

from crm.api import body, error
from crm.auth.access import roles
from crm.extensions import db
from crm.models import Case, StaffUser
from crm.models.base import iso, utcnow
from crm.supervisor import board, daily_pdf, floor_control, kpis, monitor, reports
from triage import events, presence

bp = Blueprint("supervisor", __name__)
api = Blueprint("supervisor_api", __name__, url_prefix="/api/v1/supervisor")
# Supervisors only for now: their socket room hears every case event; an operator's hears tier 1 only, so
# a wallboard in an operator's session would miss tier-2 and emergency changes until a "wallboard" room exists.
WALLBOARD_VIEWERS = ("supervisor",)


@bp.get("/supervisor")
@roles("supervisor")
def floor():
    """The team lead's live board: queues against targets, every operator and doctor."""
    return render_template("supervisor/board.html", names=kpis.QUEUE_NAMES)


@bp.get("/wallboard")
@roles(*WALLBOARD_VIEWERS)
def wallboard():
    """The large screen on the wall: queue figures and agent counts, no patient data at all."""
    return render_template("supervisor/wallboard.html", names=kpis.QUEUE_NAMES)


@api.get("/board")
@roles("supervisor")
def board_json():
    """Today's figures per queue, who waits now, and every agent."""
    return jsonify(board.read(utcnow()))


@api.get("/wallboard")
@roles(*WALLBOARD_VIEWERS)
def wallboard_json():
    """The wallboard's figures: no names, no cases, no numbers."""
    return jsonify(board.public_view(board.read(utcnow())))


def register(app) -> None:
    """Add the supervisor's pages and API to the app."""
    app.register_blueprint(bp)
    app.register_blueprint(api)


@bp.get("/supervisor/reports")
@roles("supervisor")
def reports_page():
    """Reports with charts, CSV export and the printable daily report."""
    return render_template("supervisor/reports.html", today=kpis.today(utcnow()).isoformat(),
                           groupings=list(reports.GROUPINGS), max_days=reports.MAX_DAYS)


@api.get("/reports")
@roles("supervisor")
def reports_json():
    """The period's figures grouped by hour, day, week, queue, agent, channel, language, priority or outcome."""
    first, last, by = _period()
    return jsonify({"from": first.isoformat(), "to": last.isoformat(), "by": by,
                    "rows": reports.grouped(first, last, by)})


@api.get("/reports.csv")
@roles("supervisor")
def reports_csv():
    """The same rows as CSV."""
    first, last, by = _period()
    name = f"sampark-{by}-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(reports.as_csv(reports.grouped(first, last, by)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@api.get("/reports/daily")
@roles("supervisor")
def daily_json():
    """The daily report's content for ?day=YYYY-MM-DD (today by default)."""
    report = reports.daily(_day(), utcnow())
    report["day"], report["generated_at"] = report["day"].isoformat(), iso(report["generated_at"])
    for emergency in report["emergencies"]:
        emergency["entered"] = iso(emergency["entered"])
    return jsonify(report)


@api.get("/reports/daily.pdf")
@roles("supervisor")
def daily_pdf_view():
    """The printable daily report (A4 PDF)."""
    day = _day()
    pdf = daily_pdf.render(reports.daily(day, utcnow()))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="sampark-daily-{day.isoformat()}.pdf"'})


def _period():
    first, last = reports.parse_period(request.args.get("from"), request.args.get("to"), kpis.today(utcnow()))
    return first, last, request.args.get("by", "day")


def _day():
    return reports.parse_period(request.args.get("day"), None, kpis.today(utcnow()))[0]


@api.errorhandler(reports.ReportError)
def _bad_report(exc: reports.ReportError):
    return error("bad_report", str(exc), 422)


@api.post("/cases/<int:case_id>/monitor")
@roles("supervisor")
def monitor_start(case_id: int):
    """Listen to, whisper to or barge into the case's live call (or switch mode)."""
    case = _case(case_id)
    result = monitor.start(case, current_user, str(body().get("mode", "")))
    db.session.commit()
    events.case_changed(case)
    return jsonify(result), 201 if result["action"] == "started" else 200


@api.delete("/cases/<int:case_id>/monitor")
@roles("supervisor")
def monitor_stop(case_id: int):
    """Leave the case's call."""
    case = _case(case_id)
    result = monitor.stop(case, current_user)
    db.session.commit()
    return jsonify(result)


@api.put("/agents/<int:staff_id>/state")
@roles("supervisor")
def agent_state(staff_id: int):
    """Set an operator's or doctor's state (available, break, offline) with a reason."""
    agent = db.session.get(StaffUser, staff_id) if 0 < staff_id < 2**31 else None
    data = body()
    floor_control.set_state(current_user, agent, str(data.get("state", "")), str(data.get("reason", "")))
    db.session.commit()
    presence.announce([agent.id])
    return jsonify({"id": agent.id, "state": agent.presence, "since": iso(agent.presence_since)})


@api.errorhandler(monitor.MonitorError)
@api.errorhandler(floor_control.FloorError)
def _refused(exc: monitor.MonitorError | floor_control.FloorError):
    db.session.rollback()
    return error(exc.code, exc.message, exc.status)


def _case(case_id: int) -> Case:
    case = db.session.get(Case, case_id) if 0 < case_id < 2**31 else None
    if case is None:
        raise monitor.MonitorError("not_found", f"There is no case {case_id}.", 404)
    return case
