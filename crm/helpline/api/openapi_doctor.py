"""OpenAPI paths of the tier-2 (doctor) API."""

from crm.helpline.api.openapi import CASE_PARAM, _body, _errors, _json
from crm.helpline.api.openapi_operator import ME
from crm.models.case import PRIORITIES

CASE = {"$ref": "#/components/schemas/Case"}
TIER2_CASE = {"allOf": [CASE, {"type": "object", "properties": {
    "summary": {"type": ["string", "null"], "description": "the operator's escalation summary"},
    "alarm_level": {"type": "integer", "description": "0 none, 1 rings doctors on duty, 2 everyone (not answered in time)"},
    "escalated_at": {"type": ["string", "null"]}, "accepted_at": {"type": ["string", "null"]},
    "triage_rules": {"type": "array", "items": {"type": "string"}},
    "reason": {"type": "object", "description": "why the case is here: the caller's words, how they came (speech, sms, "
               "whatsapp), the triage rules they matched in plain language", "properties": {
                   "words": {"type": ["string", "null"]}, "via": {"type": ["string", "null"]},
                   "rules": {"type": "array", "items": {"type": "string"}}}},
    "connection": {"enum": ["joining", "connecting", "caller_gone", "failed"],
                   "description": "acceptance only: how the doctor reaches the caller"}}}]}
APPOINTMENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "status": {"enum": ["booked", "cancelled", "moved"]}, "slot_id": {"type": "integer"},
    "starts_at": {"type": "string"}, "facility": {"type": "string"}, "doctor": {"type": "string"},
    "case_id": {"type": ["integer", "null"]}}}
APPOINTMENT_PARAM = {"name": "appointment_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _case_post(summary: str, fields: dict | None = None, required: list | None = None, ok: str = "200",
               schema: dict = CASE, codes=(401, 403, 404, 409)) -> dict:
    op = {"summary": summary, "parameters": [CASE_PARAM], "responses": {ok: _json(schema), **_errors(*codes)}}
    if fields is not None:
        op["requestBody"] = _body({"type": "object", "properties": fields, "required": required or []})
    return {"post": op}


PATHS = {
    "/api/v1/queues/tier2": {"get": {
        "summary": "Cases waiting for this doctor (emergencies first) and the doctor's own. A case in a language the "
                   "doctor does not speak waits the language wait for a doctor on duty who does; an emergency or urgent "
                   "case rings every doctor on duty at once",
        "responses": {"200": _json({"type": "object", "properties": {
            "waiting": {"type": "array", "items": TIER2_CASE}, "mine": {"type": "array", "items": TIER2_CASE},
            "me": {"allOf": [ME, {"type": "object", "properties": {"on_duty": {"type": "boolean"}}}]}}}),
            **_errors(401, 403)}}},
    "/api/v1/cases/{case_id}/accept": _case_post(
        "Accept an escalation or emergency: 200 for the one doctor who wins, 409 for the others (and while a leg of "
        "the doctor's on another case is up: still_on_call)", schema=TIER2_CASE),
    "/api/v1/cases/{case_id}/leave": _case_post("Leave the case's call after a warm transfer"),
    "/api/v1/cases/{case_id}/call-back": _case_post("Call the citizen back into the case's conference"),
    "/api/v1/cases/{case_id}/identify": _case_post(
        "Identify the caller by QR, card number, phone or a pick from the household (audited)",
        {"qr": {"type": "string"}, "card_number": {"type": "string"}, "phone": {"type": "string"},
         "patient_id": {"type": "integer"}}, schema={"type": "object"}, codes=(400, 401, 403, 404, 409, 422)),
    "/api/v1/cases/{case_id}/join": _case_post("Ring the case's doctor back into the live call",
                                               schema={"type": "object"}),
    "/api/v1/cases/{case_id}/hold": _case_post("Hold (hold music) or resume the caller", {"on": {"type": "boolean"}},
                                               ["on"], schema={"type": "object"}, codes=(401, 403, 404, 409, 422)),
    "/api/v1/cases/{case_id}/mute": _case_post("Mute or unmute your own leg", {"on": {"type": "boolean"}}, ["on"],
                                               schema={"type": "object"}, codes=(401, 403, 404, 409, 422)),
    "/api/v1/cases/{case_id}/end-call": _case_post("End the case's call for everyone", schema={"type": "object"}),
    "/api/v1/me/sound": {"put": {
        "summary": "The Tier 2 page says whether its alarm can sound",
        "requestBody": _body({"type": "object", "properties": {"on": {"type": "boolean"}}, "required": ["on"]}),
        "responses": {"200": _json({"type": "object"}), **_errors(401, 403, 422)}}},
    "/api/v1/doctors/sound": {"get": {
        "summary": "On-duty doctors and whether their alarm can sound (supervisors)",
        "responses": {"200": _json({"type": "object", "properties": {
            "doctors": {"type": "array", "items": {"type": "object"}}, "sound_off": {"type": "integer"}}}),
            **_errors(401, 403)}}},
    "/api/v1/cases/{case_id}/text": _case_post(
        "Text the citizen (under an Indian SMS gateway only a registered text, word for word: else 422 "
        "sms_not_registered)", {"body": {"type": "string"}}, ["body"], ok="201",
        schema={"type": "object", "properties": {"id": {"type": "integer"}, "status": {"type": "string"}}},
        codes=(401, 403, 404, 409, 422)),
    "/api/v1/cases/{case_id}/notes": {
        "get": {"summary": "Clinical notes of the case and the patient's earlier ones, for the doctors on the case"
                           " (audited; others: break-glass)",
                "parameters": [CASE_PARAM], "responses": {"200": _json({"type": "object"}), **_errors(401, 403, 404)}},
        "post": _case_post("Add a clinical note (doctors only)", {"body": {"type": "string"}}, ["body"], ok="201",
                           schema={"type": "object"}, codes=(401, 403, 404, 409, 422))["post"]},
    "/api/v1/cases/{case_id}/notes/break-glass": _case_post(
        "Read the notes of a case that is not yours, with a stated reason (audited, reviewed by supervisors)",
        {"reason": {"type": "string", "minLength": 10}}, ["reason"], schema={"type": "object"},
        codes=(401, 403, 404)),
    "/api/v1/cases/{case_id}/take-over": _case_post(
        "Supervisor: take over a case an operator is working", {"reason": {"type": "string"}}, ["reason"],
        codes=(401, 403, 404, 409, 422)),
    "/api/v1/cases/{case_id}/reassign": _case_post(
        "Supervisor: give the case to another operator or doctor",
        {"staff_id": {"type": "integer"}, "reason": {"type": "string"}}, ["staff_id", "reason"],
        codes=(401, 403, 404, 409, 422)),
    "/api/v1/cases/{case_id}/move": _case_post(
        "Supervisor: move a waiting case to another queue (emergency makes it P1 and rings the doctors)",
        {"queue": {"type": "string"}, "reason": {"type": "string"}}, ["queue", "reason"],
        codes=(401, 403, 404, 409, 422)),
    "/api/v1/cases/{case_id}/priority": _case_post(
        "Supervisor: raise a case's priority (never lower)",
        {"priority": {"enum": list(PRIORITIES[:-1])}, "reason": {"type": "string"}}, ["priority", "reason"],
        codes=(401, 403, 404, 409, 422)),
    "/api/v1/cases/{case_id}/refer": _case_post(
        "Refer the case to another specialty with a note", {"specialty": {"type": "string"}, "note": {"type": "string"}},
        ["specialty"]),
    "/api/v1/cases/{case_id}/complete": _case_post(
        "Resolve the case with the advice given; the call ends unless call is 'keep'; for an alarm that rang, "
        "`not_an_emergency` is the doctor's verdict that it was not needed (the alarm burden counts it per rule)",
        {"advice": {"type": "string"}, "not_an_emergency": {"type": "boolean"}, "call": {"enum": ["end", "keep"]}}, []),
    "/api/v1/me/duty": {"put": {
        "summary": "Go on or off duty", "requestBody": _body({"type": "object", "properties": {
            "on_duty": {"type": "boolean"}}, "required": ["on_duty"]}),
        "responses": {"200": _json({"type": "object"}), **_errors(401, 403)}}},
    "/api/v1/slots": {"get": {
        "summary": "Open appointment slots",
        "parameters": [{"name": "specialty", "in": "query", "required": False, "schema": {"type": "string"}}],
        "responses": {"200": _json({"type": "object"}), **_errors(401, 403)}}},
    "/api/v1/appointments": {"post": {
        "summary": "Book a slot for a case's patient (SMS confirmation); 409 when the slot is taken",
        "requestBody": _body({"type": "object", "properties": {"slot_id": {"type": "integer"},
                                                               "case_id": {"type": "integer"}},
                              "required": ["slot_id", "case_id"]}),
        "responses": {"201": _json(APPOINTMENT), **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/appointments/{appointment_id}/cancel": {"post": {
        "summary": "Cancel an appointment (SMS to the patient)", "parameters": [APPOINTMENT_PARAM],
        "responses": {"200": _json(APPOINTMENT), **_errors(401, 403, 404, 409)}}},
    "/api/v1/appointments/{appointment_id}/reschedule": {"post": {
        "summary": "Move an appointment to another slot", "parameters": [APPOINTMENT_PARAM],
        "requestBody": _body({"type": "object", "properties": {"slot_id": {"type": "integer"}}, "required": ["slot_id"]}),
        "responses": {"201": _json(APPOINTMENT), **_errors(401, 403, 404, 409)}}},
}
