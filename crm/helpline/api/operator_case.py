"""Tier 1, one case: the screen-pop (audited), attaching the caller's card, the SMS thread, the report."""

from __future__ import annotations

from flask import Response, jsonify
from flask_login import current_user

from crm.cases import assessment, replies
from crm.helpline import case_report as reports
from crm.helpline import case_report_pdf as report_pdf
from crm.helpline import screenpop
from crm.helpline.api.operator import work_json
from crm.models import Case, Message
from crm.models.base import iso
from crm.platform import audit
from crm.platform.api import body, bp
from crm.platform.errors import load
from crm.staff.auth.capabilities import allow


def message_json(message: Message) -> dict:
    """One SMS of a thread. The body is the citizen's own text: clients must show it as text."""
    return {"id": message.id, "case_id": message.case_id, "direction": message.direction, "kind": message.kind,
            "body": message.body, "status": message.status, "segments": message.segments,
            "to_facility": message.kind == "inform", "error": message.error_message, "channel": message.channel,
            "template": message.content_sid is not None, "error_code": message.error_code,
            "created_at": iso(message.created_at)}


@bp.get("/cases/<int:case_id>/screen-pop")
@allow("read_cases")
def screen_pop(case_id: int):
    """The patient panel data for the case (audited, naming the case), prior cases, appointments."""
    case = load(Case, case_id, "case")
    return jsonify(screenpop.screen_pop(case))


@bp.post("/cases/<int:case_id>/patient")
@allow("work_tier1")
def attach_patient(case_id: int):
    """Identify the caller by a scanned QR, a typed card number, a phone, or a pick (patient_id)."""
    case = load(Case, case_id, "case")
    data = body()
    view = assessment.attach_patient(case, current_user, {k: data.get(k) for k in
                                                          ("qr", "card_number", "phone", "patient_id")})
    return jsonify(screenpop.screen_pop(case, view) | {"case": work_json(case)})


@bp.get("/cases/<int:case_id>/messages")
@allow("read_cases")
def thread(case_id: int):
    """The SMS thread: this case's messages and the caller's earlier ones, oldest first."""
    case = load(Case, case_id, "case")
    thread = replies.thread(case)
    audit.record("read_thread", case_id=case.id, patient_id=case.patient_id, messages=len(thread))
    return jsonify(case_id=case.id, messages=[message_json(m) for m in thread])


@bp.post("/cases/<int:case_id>/messages")
@allow("work_tier1")
def reply(case_id: int):
    """Reply to the caller by SMS, or WhatsApp (`via`; sent once, after the commit)."""
    case = load(Case, case_id, "case")
    data = body()
    message = replies.reply(case, current_user, str(data.get("body") or ""), str(data.get("via") or "") or None)
    return jsonify(message_json(message)), 201


@bp.post("/cases/<int:case_id>/messages/<int:message_id>/send-again")
@allow("work_tier1")
def send_again(case_id: int, message_id: int):
    """Send a failed text of the case again (the thread's one-press retry)."""
    case = load(Case, case_id, "case")
    return jsonify(message_json(replies.send_again(case, current_user, message_id)))


@bp.get("/cases/<int:case_id>/report")
@allow("read_cases")
def report(case_id: int):
    """The case report: outcome, times and the timeline with who and when (audited)."""
    case = load(Case, case_id, "case")
    built = reports.build(case)
    return jsonify(
        case=work_json(case), caller=built["caller"], patient=built["patient"], operator=built["operator"],
        disposition=built["disposition"], times=built["times"],
        finished={"how": built["record"].finished, "text": built["record"].finished_text,
                  "by": built["record"].finished_by, "answered_by": built["record"].answered_by},
        reason={"words": built["record"].reason.words, "rules": built["record"].reason.rules},
        timeline=[{"at": iso(e["at"]), "kind": e["kind"], "text": e["text"], "who": e["who"]}
                  for e in built["timeline"]],
        messages=[message_json(m) for m in built["messages"]], sms_preview=reports.citizen_text(case))


@bp.get("/cases/<int:case_id>/report.pdf")
@allow("read_cases")
def report_as_pdf(case_id: int):
    """The case report as a printable A4 PDF (audited)."""
    case = load(Case, case_id, "case")
    pdf = report_pdf.render(reports.build(case))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{case.reference}.pdf"', "Cache-Control": "no-store"})


@bp.post("/cases/<int:case_id>/report/sms")
@allow("work_tier1")
def report_sms(case_id: int):
    """Text the citizen their case reference and the advice, in their language."""
    case = load(Case, case_id, "case")
    message = reports.send_to_citizen(case, current_user)
    return jsonify(message_json(message)), 201
