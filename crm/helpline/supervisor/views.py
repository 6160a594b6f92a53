"""The supervisor's pages: the live board, the wallboard, reports; and their JSON under /api/v1/supervisor."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from flask_login import current_user

from crm.helpline.supervisor import alarm_burden, daily_pdf, kpis, languages, monitor
from crm.helpline.supervisor import floor_board as board
from crm.helpline.supervisor import period_reports as reports
from crm.models import Case
from crm.models.base import iso, utcnow
from crm.platform.api import body
from crm.platform.errors import load
from crm.staff.auth.capabilities import allow

bp = Blueprint("supervisor", __name__)
api = Blueprint("supervisor_api", __name__, url_prefix="/api/v1/supervisor")


@bp.get("/supervisor")
@allow("supervise")
def floor():
    """The team lead's live board: queues against targets, every operator and doctor; overdue grievances."""
    from crm.citizens.grievances.services import overdue

    today = kpis.today(utcnow())
    return render_template("supervisor/board.html", names=kpis.QUEUE_NAMES, overdue_grievances=overdue(limit=10),
                           burden=alarm_burden.burden(today, today), defined=kpis.DEFINITIONS,
                           languages_definition=languages.DEFINITION)


@bp.get("/wallboard")
@allow("supervise")  # its socket room hears every queue
def wallboard():
    """The large screen on the wall: queue figures and agent counts, no patient data at all."""
    return render_template("supervisor/wallboard.html", names=kpis.QUEUE_NAMES, defined=kpis.DEFINITIONS)


@api.get("/board")
@allow("supervise")
def board_json():
    """Today's figures per queue, who waits now, and every agent."""
    return jsonify(board.read(utcnow()))


@api.get("/wallboard")
@allow("supervise")  # its socket room hears every queue
def wallboard_json():
    """The wallboard's figures: no names, no cases, no numbers."""
    return jsonify(board.public_view(board.read(utcnow())))


@bp.get("/supervisor/reports")
@allow("supervise")
def reports_page():
    """Reports with charts, CSV export and the printable daily report."""
    return render_template("supervisor/reports.html", today=kpis.today(utcnow()).isoformat(),
                           groupings=list(reports.GROUPINGS), max_days=reports.MAX_DAYS)


@api.get("/reports")
@allow("supervise")
def reports_json():
    """The period's figures grouped by hour, day, week, queue, agent, channel, language, priority or outcome."""
    first, last, by = _period()
    return jsonify({"from": first.isoformat(), "to": last.isoformat(), "by": by,
                    "rows": reports.grouped(first, last, by)})


@api.get("/reports.csv")
@allow("supervise")
def reports_csv():
    """The same rows as CSV."""
    first, last, by = _period()
    name = f"sampark-{by}-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(reports.as_csv(reports.grouped(first, last, by)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@api.get("/reports/daily")
@allow("supervise")
def daily_json():
    """The daily report's content for ?day=YYYY-MM-DD (today by default)."""
    report = reports.daily(_day(), utcnow())
    report["alarm_burden"] = alarm_burden.burden(report["day"], report["day"])
    report["day"], report["generated_at"] = report["day"].isoformat(), iso(report["generated_at"])
    for emergency in report["emergencies"]:
        emergency["entered"] = iso(emergency["entered"])
    return jsonify(report)


@api.get("/reports/daily.pdf")
@allow("supervise")
def daily_pdf_view():
    """The printable daily report (A4 PDF)."""
    day = _day()
    pdf = daily_pdf.render(reports.daily(day, utcnow()) | {"alarm_burden": alarm_burden.burden(day, day)})
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="sampark-daily-{day.isoformat()}.pdf"'})


def _period():
    first, last = reports.parse_period(request.args.get("from"), request.args.get("to"), kpis.today(utcnow()))
    return first, last, request.args.get("by", "day")


def _day():
    return reports.parse_period(request.args.get("day"), None, kpis.today(utcnow()))[0]


@api.post("/cases/<int:case_id>/monitor")
@allow("supervise")
def monitor_start(case_id: int):
    """Listen to, whisper to or barge into the case's live call (or switch mode)."""
    result = monitor.start(load(Case, case_id, "case"), current_user, str(body().get("mode", "")))
    return jsonify(result), 201 if result["action"] == "started" else 200


@api.delete("/cases/<int:case_id>/monitor")
@allow("supervise")
def monitor_stop(case_id: int):
    """Leave the case's call."""
    result = monitor.stop(load(Case, case_id, "case"), current_user)
    return jsonify(result)
