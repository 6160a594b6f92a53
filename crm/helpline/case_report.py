"""Case reports: the timeline from case_event (what happened, who, when), printable as HTML and PDF,
and the optional SMS that gives the citizen their reference and the advice.

The report is computed from the timeline every time, so it can never disagree with it. Reading it
shows the patient's name, so it is audited like any other view of the record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from crm.cases import dispositions, languages
from crm.helpline import case_record, triage_signoff
from crm.helpline.live import events
from crm.models import Case, Message, OptOut, Patient, StaffUser
from crm.models.base import local, utcnow
from crm.platform import audit, outbox, phones
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.lookup import age
from triage import checklist, unsigned_versions

OUTCOME_KINDS = ("resolved", "informed", "escalated", "callback_scheduled")
RESEND_AFTER = timedelta(minutes=2)  # a second click within this is a double click, not a new SMS
CITIZEN_TEXT = {
    "hi": "सम्पर्क केस {ref}: {advice} ज़रूरत हो तो {helpline} पर कॉल करें, आपातकाल में 108।",
    "hinglish": "Sampark case {ref}: {advice} Zarurat ho to {helpline} par call karein, emergency mein 108.",
    "en": "Sampark case {ref}: {advice} Call {helpline} if you need us again; in an emergency call 108.",
    "pa": "ਸੰਪਰਕ ਕੇਸ {ref}: {advice} ਲੋੜ ਹੋਵੇ ਤਾਂ {helpline} ਤੇ ਕਾਲ ਕਰੋ, ਐਮਰਜੈਂਸੀ ਵਿੱਚ 108।",
    "ur": "سمپرک کیس {ref}: {advice} ضرورت ہو تو {helpline} پر کال کریں، ایمرجنسی میں 108۔",
}
NO_ADVICE = {"hi": "आपकी बात दर्ज कर ली गई है।", "hinglish": "Aapki baat darj ho gayi hai.",
             "en": "Your contact is recorded.", "pa": "ਤੁਹਾਡੀ ਗੱਲ ਦਰਜ ਕਰ ਲਈ ਗਈ ਹੈ।", "ur": "آپ کی بات درج کر لی گئی ہے۔"}
FULL_STOP = {"hi": "।", "pa": "।", "ur": "۔"}  # else "."


_FLAG_LABELS = {item["id"]: item["label"] for item in checklist("en")}




def _d(key: str, fallback: str = "") -> Callable[[dict], str]:
    return lambda d: str(d.get(key) or fallback)


# What each kind of event means, in a sentence a team lead reads without a legend.
DESCRIBE: dict[str, Callable[[dict], str]] = {
    "opened": lambda d: f"Contact opened ({d.get('channel', '')})",
    "language": lambda d: f"Language chosen: {'Hindi' if d.get('language') == 'hi' else 'English'}",
    "emergency": lambda d: f"Declared an emergency (via {d.get('via', '?')})",
    "card_entered": lambda d: f"Health card entered on the keypad: {d.get('card')} ({d.get('status')})",
    "card_rejected": lambda d: f"Card number refused by the check digit (attempt {d.get('attempt')})",
    "card_unknown": lambda d: f"Card number not on record: {d.get('card')}",
    "queued": lambda d: f"Waiting in queue {d.get('queue')}",
    "callback_requested": lambda d: "Caller asked to be called back (kept their place)",
    "queue_result": lambda d: f"Left the phone queue: {d.get('result')} after {d.get('seconds')} s",
    "claimed": lambda d: f"Answered from {d.get('queue')}",
    "connecting": lambda d: {"connecting": "Connecting the caller", "calling_back": "Calling the citizen back"}
    .get(d.get("how"), f"Connecting ({d.get('how')})"),
    "connect_failed": lambda d: f"Could not connect the call: {d.get('error')}",
    "claim_too_late": lambda d: "Caller hung up before the answer reached them",
    "released": lambda d: f"Put back in the queue: {d.get('reason')}",
    "call_ended": lambda d: f"Call leg ended ({d.get('leg')}, {d.get('status')}"
    + (f", {d['duration']} s)" if d.get("duration") else ")"),
    "abandoned": lambda d: "Caller hung up while waiting"
    + (f" after {d['seconds_waited']} s" if d.get("seconds_waited") else ""),
    "sms_in": lambda d: f"SMS received (triage {d.get('priority')}"
    + (f": {'; '.join(case_record.plain_rule(r) for r in d['rules'])})" if d.get("rules") else ")")
    + triage_why(d.get("triage")),
    "speech": lambda d: f"The caller said: “{d.get('text', '')}” (triage {d.get('priority')}"
    + (f": {'; '.join(case_record.plain_rule(r) for r in d['rules'])})" if d.get("rules") else ")")
    + triage_why(d.get("triage")),
    "sms_out": lambda d: f"SMS queued to send ({d.get('purpose')})",
    "opted_out": lambda d: f"Citizen texted {str(d.get('keyword', '')).upper()}: no more SMS",
    "alarm": lambda d: f"Emergency alarm level {d.get('level')}: {d.get('to')}",
    "assessed": lambda d: "Assessment: " + (d.get("reason") or "no reason written")
    + (f"; red flags: {', '.join(_FLAG_LABELS.get(f, f) for f in d['red_flags'])}" if d.get("red_flags")
       else "; no red flags"),
    "red_flags_suggested": lambda d: "Red flags suggested by triage and accepted: "
    + ", ".join(_FLAG_LABELS.get(f, f) for f in d.get("red_flags", []))
    + f" ({d.get('layer', 'rule')}, rules {d.get('rules_version', '?')})",
    "note": lambda d: f"Note: {d.get('text', '')}",
    "patient_attached": lambda d: f"Caller identified (via {d.get('via')}"
    + (f", card {d['card']})" if d.get("card") else ")"),
    "resolved": lambda d: "Resolved" + (" by the doctor" if d.get("by") == "doctor" else "")
    + ({True: " (not an emergency: the alarm was not needed)", False: " (the alarm was needed)"}
       .get(d.get("not_an_emergency"), ""))
    + (f": {dispositions.label(d['disposition'])}" if d.get("disposition") else ""),
    "informed": lambda d: f"Facility informed: {d.get('facility_name') or d.get('facility')}",
    "escalated": lambda d: f"Escalated to tier 2: {(d.get('specialty') or 'general').replace('_', ' ')}, "
    f"{d.get('urgency')}",
    "callback_scheduled": lambda d: f"Call-back scheduled for {_when(d.get('due'))}"
    + (f": {d['note']}" if d.get("note") else ""),
    "callback_due": lambda d: "Call-back due: back in the tier-1 queue",
    "closed": lambda d: "Case closed",
    "accepted": lambda d: f"Doctor accepted ({d.get('queue')})",
    "referred": lambda d: f"Referred to {str(d.get('specialty', '')).replace('_', ' ')}: {d.get('note', '')}",
    "clinical_note": lambda d: "Clinical note written (doctors only)",
    "doctor_joining": lambda d: f"Doctor joining the call ({d.get('how')})",
    "doctor_needs_contact": lambda d: "Doctor must call back or text: the caller is not on the line",
    "doctor_call_back": lambda d: "Doctor called the citizen back",
    "left_call": lambda d: "Left the call (warm transfer)",
    "monitoring": lambda d: {"listen": "Supervisor listened to the call (muted)",
                             "whisper": "Supervisor coached the agent (only the agent heard)",
                             "barge": "Supervisor joined the conversation"}.get(d.get("mode"), "Supervisor left the call"),
    "caller_held": lambda d: "Caller put on hold",
    "caller_resumed": lambda d: "Caller taken off hold",
    "staff_muted": lambda d: "Muted their line",
    "staff_unmuted": lambda d: "Unmuted their line",
    "call_ended_by_staff": lambda d: "Ended the call",
    "conference": lambda d: f"Conference: {d.get('event')} ({d.get('leg') or 'leg'})",
    "appointment_booked": lambda d: f"Appointment booked at {d.get('facility')} for {_when(d.get('when'))}",
    "appointment_cancelled": lambda d: "Appointment cancelled",
    "appointment_moved": lambda d: "Appointment moved to another slot",
    "report_sent": lambda d: "Report SMS sent to the citizen",
}


def triage_why(why: dict | None) -> str:
    """How triage reached its priority, for a timeline line: what raised it, what lowered it, the rules and their sign-off."""
    if not why or not why.get("rules_version"):
        return ""
    text = ""
    if why.get("lowered_from"):
        raised = ", ".join(why.get("raised_with") or ()) or why.get("raised_by")
        text += (f". {why['lowered_from']} raised by the {why.get('raised_by')} layer ({raised}), lowered by the context"
                 f" layer: {why.get('lowered_by', '')} [words: {' '.join(why.get('lowered_words') or ())}]")
    elif why.get("layer") in ("floor", "model") and why.get("rules_priority"):
        text += f". Raised by the {why['layer']} layer (the rules said {why['rules_priority']})"
    version = why["rules_version"]
    return text + f". Rules {version}" + (" (NOT signed by a clinician)" if version in unsigned_versions() else "")


def describe(kind: str, detail: dict | None) -> str:
    """One timeline entry as a sentence."""
    return DESCRIBE.get(kind, lambda d: kind.replace("_", " ").capitalize())(detail or {})


def build(case: Case, audited: bool = True) -> dict:
    """The report of a case: facts, patient, outcome, timeline, messages, times (audited view)."""
    staff = {s.id: s for s in db.session.scalars(select(StaffUser).where(
        StaffUser.id.in_({e.staff_id for e in case.events if e.staff_id} | {case.assigned_to_id or 0})))}
    patient = db.session.get(Patient, case.patient_id) if case.patient_id else None
    if audited:
        audit.record("view_report", patient_id=case.patient_id, case_id=case.id)
    timeline = [{"at": e.at, "kind": e.kind, "text": describe(e.kind, e.detail),
                 "who": _who(staff.get(e.staff_id))} for e in case.events]
    record = case_record.build(case)
    return {
        "record": record,
        "case": case, "caller": phones.masked(case.caller_phone) if (case.caller_phone or "").startswith("+")
        else (case.caller_phone or "unknown"),
        "patient": _patient(patient), "operator": _who(staff.get(case.assigned_to_id)),
        "disposition": {"code": case.disposition, "en": dispositions.label(case.disposition, "en"),
                        "hi": dispositions.label(case.disposition, "hi")} if case.disposition else None,
        "red_flags": [_FLAG_LABELS.get(f, f.replace("_", " ")) for f in case.red_flags or []],
        "timeline": timeline, "messages": list(case.messages),
        # As the figures count them; a case that never joined a queue on its timeline keeps the plain reading.
        "times": _times(case) | ({"waited": record.waited, "handled": record.handled} if record.legs else {}),
        "triage_versions": triage_signoff.versions_of(case.events),
        "generated_at": utcnow(), "helpline": current_app.config.get("HELPLINE_DISPLAY_NUMBER", ""),
    }


def citizen_text(case: Case) -> str:
    """The report SMS in the citizen's language and script: reference and the advice given."""
    lang = case.language if case.language in languages.LANGUAGES else "en"  # Hindi, English, Punjabi or Urdu
    texted = [m.language for m in case.messages if m.direction == "inbound" and m.language]
    if lang == "hi" and texted and texted[-1] == "hinglish":
        lang = "hinglish"  # they write Hindi in Latin letters: answer the same way
    advice = (case.advice or "").strip() or NO_ADVICE[lang]
    if advice[-1] not in ".!?।۔؟":
        advice += FULL_STOP.get(lang, ".")
    return CITIZEN_TEXT[lang].format(ref=case.reference, advice=advice[:300],
                                     helpline=current_app.config.get("HELPLINE_DISPLAY_NUMBER", ""))


def send_to_citizen(case: Case, staff: StaffUser) -> Message:
    """Queue the report SMS (sent once by the outbox job; opt-outs are respected there too)."""
    if case.outcome is None:
        raise Refused("no_outcome", "Give the case an outcome before sending the report.")
    if not (case.caller_phone or "").startswith("+"):
        raise Refused("no_number", "The caller's number is withheld: there is nobody to text.")
    if db.session.scalar(select(OptOut.id).where(OptOut.phone == case.caller_phone)) is not None:
        raise Refused("opted_out", "The citizen texted STOP: Sampark does not text them any more.")
    recent = db.session.scalar(select(Message.id).where(
        Message.case_id == case.id, Message.kind == "report", Message.created_at > utcnow() - RESEND_AFTER))
    if recent is not None:
        raise Refused("already_sent", "The report SMS was just sent.")
    message = outbox.queue_sms(case.caller_phone, citizen_text(case), case=case, kind="report", staff_id=staff.id)
    events.case_changed(case, "case.message")
    return message


def _who(staff: StaffUser | None) -> str | None:
    return f"{staff.name} ({staff.role})" if staff else None


def _patient(patient: Patient | None) -> dict | None:
    if patient is None:
        return None
    card = patient.current_card
    return {"name": patient.name, "name_hi": patient.name_hi, "sex": patient.sex, "age": age(patient),
            "registry_id": patient.registry_id, "ward": patient.ward,
            "card": f"XXXX XXXX {card.number[8:]}" if card else None}


def _times(case: Case) -> dict:
    """Wrap-up and total from the timeline (first occurrence of each step); waited and handled come from the case's
    record (crm.helpline.case_record), as the figures count them."""
    first: dict[str, datetime] = {}
    for event in case.events:
        key = "outcome" if event.kind in OUTCOME_KINDS else event.kind
        first.setdefault(key, event.at)

    def between(a: str, b: str) -> int | None:
        return int((first[b] - first[a]).total_seconds()) if a in first and b in first else None

    if "opened" in first:
        first.setdefault("queued", first["opened"])  # a case opened straight into the queue
    return {"waited": between("queued", "claimed"), "handled": between("claimed", "outcome"),
            "wrap_up": between("outcome", "closed"), "total": between("opened", "closed")}


def _when(value: str | None) -> str:
    if not value:
        return "?"
    try:
        return local(datetime.fromisoformat(value)).strftime("%d %b %Y %H:%M")
    except ValueError:
        return value
