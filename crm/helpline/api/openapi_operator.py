"""OpenAPI paths of the tier-1 (operator) API: every action of the operator desk."""

from crm.helpline.api.openapi import CASE_PARAM, _body, _errors, _json
from crm.models.staff import PRESENCES
from triage.rules import PRIORITIES, RED_FLAGS

CASE = {"$ref": "#/components/schemas/Case"}
WORK_CASE = {"allOf": [CASE, {"type": "object", "properties": {
    "reason": {"type": ["string", "null"]}, "red_flags": {"type": "array", "items": {"type": "string"}},
    "outcome": {"enum": ["resolved", "informed", "escalated", "callback", None]},
    "disposition": {"type": ["string", "null"]}, "advice": {"type": ["string", "null"]},
    "callback_due_at": {"type": ["string", "null"]}, "wrap_up_until": {"type": ["string", "null"]}}}]}
PRESENCE = {"enum": list(PRESENCES)}
LEG = {"type": "object", "properties": {"case_id": {"type": ["integer", "null"]}, "reference": {"type": ["string", "null"]},
                                        "status": {"type": "string"}, "connected": {"type": "boolean"}}}
ME = {"type": "object", "properties": {
    "presence": {**PRESENCE, "description": "what counts: on_call while a live case is held or any phone leg is up"},
    "chosen": PRESENCE, "since": {"type": ["string", "null"]}, "wrap_up_ends": {"type": ["string", "null"]},
    "legs": {"type": "array", "maxItems": 20, "items": LEG, "description": "this person's phone legs that are up"}}}
OFFER = {"type": ["object", "null"], "description": "the contact rung to me now (automatic call distribution)",
         "properties": {"case_id": {"type": "integer"}, "reference": {"type": "string"}, "channel": {"type": "string"},
                        "language": {"type": "string"}, "priority": {"type": "string"},
                        "queued_at": {"type": ["string", "null"]}, "offered_at": {"type": "string"},
                        "expires_at": {"type": "string"}}}
CALL_ENDING = {"enum": ["end", "keep"], "description": "the call ends with the contact (default) or is kept up"}
COUNTS = {"type": "object", "description": "active operators per presence; holding a live case counts as on_call",
          "properties": {p: {"type": "integer"} for p in PRESENCE["enum"]}}
MESSAGE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "case_id": {"type": ["integer", "null"]}, "direction": {"enum": ["inbound", "outbound"]},
    "kind": {"type": "string"}, "body": {"type": "string", "description": "citizen text: display as text, never HTML"},
    "status": {"type": "string"}, "to_facility": {"type": "boolean"}, "created_at": {"type": "string"}}}
QUEUE_ITEM = {"allOf": [WORK_CASE, {"type": "object", "properties": {
    "patient": {"type": ["string", "null"], "description": "masked: initials, sex, age, ward"},
    "flags": {"type": "array", "items": {"type": "object"}}, "last_inbound_at": {"type": ["string", "null"]}}}]}
SCREEN_POP = {"type": "object", "properties": {
    "case_id": {"type": "integer"},
    "patient": {"oneOf": [{"$ref": "#/components/schemas/PatientView"}, {"type": "null"}]},
    "prior_cases": {"type": "array", "items": {"type": "object"}},
    "appointments": {"type": "array", "items": {"type": "object"}}}}
OUTCOME_ERRORS = (400, 401, 403, 404, 409, 422)


def _case_post(summary: str, fields: dict, required: list[str], schema: dict = WORK_CASE, ok: str = "200",
               codes: tuple[int, ...] = OUTCOME_ERRORS) -> dict:
    return {"post": {"summary": summary, "parameters": [CASE_PARAM],
                     "requestBody": _body({"type": "object", "properties": fields, "required": required}),
                     "responses": {ok: _json(schema), **_errors(*codes)}}}


def _case_get(summary: str, schema: dict, codes: tuple[int, ...] = (401, 403, 404)) -> dict:
    return {"get": {"summary": summary, "parameters": [CASE_PARAM], "responses": {"200": _json(schema),
                                                                                  **_errors(*codes)}}}


def _get(summary: str, schema: dict, params: tuple[str, ...] = ()) -> dict:
    return {"get": {"summary": summary,
                    "parameters": [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                                   for n in params],
                    "responses": {"200": _json(schema), **_errors(401, 403, 422)}}}


PATHS = {
    "/api/v1/queues/tier1": _get(
        "The tier-1 board: waiting cases (priority, then wait), scheduled call-backs, my cases, presence counts. "
        "Dashboards read this on (re)connect and whenever an event says something changed",
        {"type": "object", "properties": {
            "server_time": {"type": "string"}, "waiting": {"type": "array", "items": QUEUE_ITEM},
            "scheduled": {"type": "array", "items": QUEUE_ITEM}, "mine": {"type": "array", "items": QUEUE_ITEM},
            "operators": COUNTS, "emergencies_waiting": {"type": "integer"},
            "emergencies": {"type": "array", "maxItems": 20, "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "reference": {"type": "string"}, "caller": {"type": ["string", "null"]},
                "channel": {"type": "string"}, "queued_at": {"type": ["string", "null"]},
                "alarm_level": {"type": "integer"}}}}, "me": ME,
            "offer": OFFER, "sla_seconds": {"type": "integer"}, "wrap_up_seconds": {"type": "integer"}}}),
    "/api/v1/me/presence": {"put": {
        "summary": "Choose presence; 'available' during wrap-up ends it (the wrapped cases close). "
                   "409 while holding a case that has no outcome; on_call is set by answering a case",
        "requestBody": _body({"type": "object", "properties": {"presence": PRESENCE, "call": {
            "enum": ["end", "leave"], "description": "ready after wrap-up while a leg is up (409 still_on_call without "
                                                     "it): end a finished case's call, leave one handed over"}},
            "required": ["presence"]}),
        "responses": {"200": _json({"allOf": [ME, {"type": "object", "properties": {"operators": COUNTS}}]}),
                      **_errors(401, 403, 409, 422)}}},
    "/api/v1/offers/{case_id}/accept": _case_post(
        "Answer the contact rung to me: the case is claimed and connected (409 offer_gone when it went to someone "
        "else or rang out; still_on_call while a leg of mine is up)", {}, [], codes=(401, 403, 409)),
    "/api/v1/offers/{case_id}/reject": _case_post(
        "Turn down the contact rung to me: it rings the next agent at once", {}, [],
        schema={"type": "object", "properties": {"rejected": {"type": "integer"}}}, codes=(401, 403, 409)),
    "/api/v1/dispositions": _get("Disposition codes with English and Hindi labels", {"type": "object"}),
    "/api/v1/canned-replies": _get("Canned SMS replies in Hindi, English, Punjabi and Urdu, filled in for case_id",
                                   {"type": "object"}, ("case_id",)),
    "/api/v1/checklist": _get("The red-flag checklist from the triage rules ('en' or 'hi') and the specialties",
                              {"type": "object"}, ("lang",)),
    "/api/v1/facilities": _get("Facilities to inform (name, code, district filter q)", {"type": "object"}, ("q",)),
    "/api/v1/cases/{case_id}/assessment": _case_post(
        "Save reason, ticked red flags (checklist ids) and a note; `offer` is the escalation the flags call for "
        "(any P1 flag: emergency)",
        {"reason": {"type": "string"}, "red_flags": {"type": "array", "items": {"type": "string"}},
         "notes": {"type": "string"}}, [],
        schema={"allOf": [WORK_CASE, {"type": "object", "properties": {"offer": {"type": ["object", "null"]}}}]}),
    "/api/v1/red-flags/suggest": {"post": {
        "summary": "What triage.classify reads in typed words (the operator's reason, a doctor's note; at most 600 "
                   "characters): its priority, the layer that set it (rule, floor or model) and the checklist flags "
                   "to offer for ticking. Nothing is stored",
        "requestBody": _body({"type": "object", "properties": {"text": {"type": "string", "maxLength": 600}},
                              "required": ["text"]}),
        "responses": {"200": _json({"type": "object", "properties": {
            "priority": {"enum": list(PRIORITIES)}, "layer": {"enum": ["rule", "floor", "model", "script"]},
            "rules_priority": {"enum": list(PRIORITIES)}, "rules_version": {"type": "string"},
            "flags": {"type": "array", "maxItems": 60, "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "label": {"type": "string"}, "label_hi": {"type": "string"},
                "priority": {"enum": list(RED_FLAGS)}, "specialty": {"type": "string"},
                "words": {"type": "array", "items": {"type": "string"}}, "layer": {"enum": ["rule"]}}}},
            "opinion": {"type": ["object", "null"], "description": "the floor's or the model's word when it set the "
                                                                   "priority: no flag to tick, questions to ask"}}}),
                      **_errors(400, 401, 403, 422)}}},
    "/api/v1/cases/{case_id}/assessment/suggested-flags": _case_post(
        "Record on the case timeline that the operator accepted flags triage suggested for `text` (the suggestion "
        "is read again from the text: a flag it does not suggest is refused with 422)",
        {"text": {"type": "string", "maxLength": 600}, "red_flags": {"type": "array", "items": {"type": "string"}}},
        ["text", "red_flags"],
        schema={"type": "object", "properties": {"accepted": {"type": "array", "items": {"type": "string"}},
                                                 "offer": {"type": ["object", "null"]}}}),
    "/api/v1/cases/{case_id}/resolve": _case_post(
        "Resolve at tier 1 with a disposition code and the advice given (409 while a P1 flag is ticked, "
        "unless the disposition is emergency_108)",
        {"disposition": {"type": "string"}, "advice": {"type": "string"}, "call": CALL_ENDING}, ["disposition"]),
    "/api/v1/cases/{case_id}/inform": _case_post(
        "Inform the health staff on duty at a facility (SMS with a masked patient) and end the contact",
        {"facility_id": {"type": "integer"}, "message": {"type": "string"}, "disposition": {"type": "string"},
         "advice": {"type": "string"}}, ["facility_id", "message"]),
    "/api/v1/cases/{case_id}/escalate": _case_post(
        "Escalate to tier 2 (specialty, urgency, summary); emergency raises the alarm",
        {"specialty": {"type": ["string", "null"]}, "urgency": {"enum": ["emergency", "urgent", "soon", "routine"]},
         "summary": {"type": "string"}, "call": {"enum": ["keep", "leave"], "description":
                                                  "stay on the line for the hand-over (default) or leave it now"}},
        ["urgency", "summary"]),
    "/api/v1/cases/{case_id}/emergency": _case_post(
        "The operator's emergency key: escalate the case as P1 at once, whatever triage said (rings every doctor on "
        "duty); `note`, at most 500 characters, joins the summary",
        {"note": {"type": "string", "maxLength": 500}}, []),
    "/api/v1/cases/{case_id}/schedule-callback": _case_post(
        "Schedule a call-back (due_at ISO 8601, Delhi time if no offset, or in_minutes); the case returns to the "
        "tier-1 queue when due",
        {"due_at": {"type": "string"}, "in_minutes": {"type": "integer"}, "note": {"type": "string"}}, []),
    "/api/v1/cases/{case_id}/screen-pop": _case_get(
        "Screen-pop: the patient view (audited with the case id), prior cases and appointments", SCREEN_POP),
    "/api/v1/cases/{case_id}/patient": _case_post(
        "Identify the caller during the case by one of qr (scanned), card_number, phone or patient_id (audited)",
        {"qr": {"type": "string"}, "card_number": {"type": "string"}, "phone": {"type": "string"},
         "patient_id": {"type": "integer"}}, [], schema=SCREEN_POP),
    "/api/v1/cases/{case_id}/messages": {
        **_case_get("The SMS thread of the case and the caller's earlier messages, oldest first",
                    {"type": "object", "properties": {"messages": {"type": "array", "items": MESSAGE}}}),
        **_case_post("Reply to the caller by SMS (sent once; opt-outs respected)", {"body": {"type": "string"}},
                     ["body"], schema=MESSAGE, ok="201")},
    "/api/v1/cases/{case_id}/messages/{message_id}/send-again": {"post": {
        "summary": "Send a failed text of the case again (the same message, back in line; once per failure)",
        "parameters": [CASE_PARAM, {"name": "message_id", "in": "path", "required": True,
                                    "schema": {"type": "integer"}}],
        "responses": {"200": _json(MESSAGE), **_errors(401, 403, 404, 409)}}},
    "/api/v1/cases/{case_id}/report": _case_get(
        "The case report: outcome, times, the timeline with who and when, messages (audited)", {"type": "object"}),
    "/api/v1/cases/{case_id}/report.pdf": {"get": {
        "summary": "The case report as an A4 PDF (audited)", "parameters": [CASE_PARAM],
        "responses": {"200": {"description": "PDF", "content": {"application/pdf": {}}}, **_errors(401, 403, 404)}}},
    "/api/v1/cases/{case_id}/report/sms": {"post": {
        "summary": "Text the citizen the case reference and the advice, in their language",
        "parameters": [CASE_PARAM],
        "responses": {"201": _json(MESSAGE), **_errors(401, 403, 404, 409)}}},
}
