"""OpenAPI paths of the supervisor's API (/api/v1/supervisor/...)."""

from crm.cases.languages import LANGUAGES
from crm.helpline.api.openapi import CASE_PARAM, _body, _errors, _json
from crm.helpline.supervisor.floor_board import AGENT_ROLES, DOCTOR_STATES
from crm.helpline.supervisor.floor_control import SETTABLE
from crm.helpline.supervisor.kpis import DEFINITIONS, QUEUES
from crm.helpline.supervisor.languages import DEFINITION as LANGUAGES_DEFINITION
from crm.models.case import CHANNELS, PRIORITIES
from crm.models.staff import PRESENCES

QUEUE = {"type": "object", "properties": {
    "queue": {"enum": list(QUEUES)}, "name": {"type": "string"},
    "offered": {"type": "integer", "description": DEFINITIONS["offered"]},
    "answered": {"type": "integer", "description": DEFINITIONS["answered"]},
    "abandoned": {"type": "integer", "description": DEFINITIONS["abandoned"]},
    "short_abandoned": {"type": "integer", "description": "hung up within SHORT_ABANDON_SECONDS"},
    "service_level": {"type": ["number", "null"], "description": f"percent: {DEFINITIONS['service_level']}"},
    "threshold_seconds": {"type": "integer"}, "target_percent": {"type": "integer"},
    "average_speed_of_answer": {"type": ["number", "null"],
                                "description": f"seconds: {DEFINITIONS['average_speed_of_answer']}"},
    "abandon_rate": {"type": ["number", "null"], "description": f"percent: {DEFINITIONS['abandon_rate']}"},
    "average_handle_time": {"type": ["number", "null"], "description": f"seconds: {DEFINITIONS['average_handle_time']}"},
    "time_to_doctor_median": {"type": ["number", "null"], "description": DEFINITIONS["time_to_doctor"]},
    "time_to_doctor_p90": {"type": ["number", "null"]},
    "waiting": {"type": "integer", "description": DEFINITIONS["waiting"]},
    "longest_wait": {"type": ["integer", "null"], "description": DEFINITIONS["longest_wait"]},
    "overdue": {"type": "integer", "description": "waiting now past the queue's threshold"},
    "missed_waiting": {"type": "integer", "description": "today's contacts still waiting past the threshold: "
                       "counted as missed in the service level"},
    "status": {"type": "object", "description": "green, amber or red per figure against its target"}}}
FCR = {"type": "object", "properties": {"contacts": {"type": "integer"}, "resolved_first_time": {"type": "integer"},
                                        "percent": {"type": ["number", "null"]}, "final": {"type": "boolean"}}}
SECONDS = {"type": ["integer", "null"], "description": "seconds"}
AGENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "role": {"enum": list(AGENT_ROLES)},
    "specialty": {"type": ["string", "null"]},
    "state": {"enum": [*PRESENCES, *DOCTOR_STATES], "description": "an operator's presence (on_call while any leg of "
              "theirs is up); a doctor off a call is on_duty or off_duty when logged in, else offline"},
    "since": {"type": ["string", "null"]}, "seconds_in_state": SECONDS, "case": {"type": ["string", "null"]},
    "case_id": {"type": ["integer", "null"]}, "on_the_phone": {"type": "boolean"}, "cases_today": {"type": "integer"},
    "average_handle_time": {"type": ["number", "null"], "description": DEFINITIONS["average_handle_time"]},
    "logged_in": {"type": "boolean", "description": "a live session used within the idle limit"},
    "on_duty": {"type": "boolean"}, "sound_on": {"type": "boolean", "description": "the doctor's alarm can sound"},
    "on_a_call": {"type": "boolean", "description": "a phone leg of theirs is up (the phone is the truth)"},
    "sound_off": {"type": "boolean", "description": "a logged-in doctor on duty whose page cannot sound the alarm"},
    "on_a_leg": {"type": "boolean"}, "languages": {"type": "array", "items": {"enum": list(LANGUAGES)}},
    "offers_missed": {"type": "integer", "description": "contacts rung to them that rang out unanswered"},
    "last_missed_at": {"type": ["string", "null"]}}}
DOCTORS = {"type": "object", "description": DEFINITIONS["doctors"], "properties": {
    "logged_in": {"type": "integer"}, "on_duty": {"type": "integer"}, "sound_on": {"type": "integer"},
    "on_call": {"type": "integer"}}}
LANGUAGE_ROW = {"type": "object", "description": LANGUAGES_DEFINITION, "properties": {
    "language": {"enum": list(LANGUAGES)}, "name": {"type": "string"}, "waiting": {"type": "integer"},
    "longest_wait": SECONDS, "offered": {"type": "integer"}, "answered": {"type": "integer"},
    "service_level": {"type": ["number", "null"]}, "threshold_seconds": {"type": "integer"},
    "target_percent": {"type": "integer"}, "speakers_available": {"type": "integer"}}}
WAITING_CASE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "reference": {"type": "string"}, "queue": {"type": "string"},
    "priority": {"enum": list(PRIORITIES)}, "channel": {"enum": list(CHANNELS)}, "status": {"type": "string"},
    "waited": {"type": ["number", "null"], "description": "seconds since it joined its queue"}}}
KPI_DEFINITIONS = {"type": "object", "description": "what each figure means, the text the screens show as tooltips "
                   "and legend (crm.helpline.supervisor.kpis.DEFINITIONS)",
                   "properties": {name: {"type": "string"} for name in DEFINITIONS}}
BOARD = {"type": "object", "properties": {
    "day": {"type": "string", "format": "date", "description": "the Delhi day"}, "at": {"type": "string"},
    "queues": {"type": "array", "items": QUEUE}, "first_contact_resolution": FCR,
    "callbacks_requested": {"type": "integer"}, "short_abandon_seconds": {"type": "integer"},
    "abandon_target_percent": {"type": "integer"}, "agents": {"type": "array", "items": AGENT},
    "doctors": DOCTORS, "languages": {"type": "array", "items": LANGUAGE_ROW},
    "languages_definition": {"type": "string"}, "waiting_cases": {"type": "array", "maxItems": 100,
                                                                 "items": WAITING_CASE},
    "unaccepted_emergencies": {"type": "array", "items": WAITING_CASE,
                               "description": DEFINITIONS["unaccepted_emergencies"]},
    "emergency_threshold_seconds": {"type": "integer"},
    "queue_names": {"type": "array", "items": {"type": "string"}, "description": "queues a case can be moved to"},
    "definitions": KPI_DEFINITIONS}}
WALLBOARD = {"type": "object", "properties": {
    "day": {"type": "string", "format": "date"}, "at": {"type": "string"},
    "queues": {"type": "array", "items": QUEUE}, "first_contact_resolution": FCR,
    "agents": {"type": "object", "description": "how many agents are in each state (no names)",
               "properties": {state: {"type": "integer"} for state in [*PRESENCES, *DOCTOR_STATES]}},
    "doctors": DOCTORS, "unaccepted_emergencies": {"type": "integer", "description": DEFINITIONS[
        "unaccepted_emergencies"]},
    "emergency_threshold_seconds": {"type": "integer"}, "definitions": KPI_DEFINITIONS}}
PERIOD = [{"name": "from", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
           "description": "first Delhi day (default today)"},
          {"name": "to", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
           "description": "last Delhi day, inclusive; at most 92 days"},
          {"name": "by", "in": "query", "required": False, "schema": {
              "enum": ["hour", "day", "week", "queue", "agent", "channel", "language", "priority", "outcome"]}}]
DAY = [{"name": "day", "in": "query", "required": False, "schema": {"type": "string", "format": "date"}}]
MONITOR = {"type": "object", "properties": {
    "case_id": {"type": "integer"}, "reference": {"type": "string"}, "mode": {"enum": ["listen", "whisper", "barge"]},
    "action": {"enum": ["started", "changed", "ended"]}, "call_sid": {"type": "string"}, "agent": {"type": "integer"}}}

PATHS = {
    "/api/v1/supervisor/board": {"get": {
        "summary": "The live board: today's figures per queue and per language, who waits now, every operator and "
                   "doctor (presence from their phone legs, duty, sound), unaccepted emergencies, the definitions",
        "responses": {"200": _json(BOARD), **_errors(401, 403)}}},
    "/api/v1/supervisor/wallboard": {"get": {
        "summary": "The wallboard: queue figures and agent counts per state, no names or cases",
        "responses": {"200": _json(WALLBOARD), **_errors(401, 403)}}},
    "/api/v1/supervisor/reports": {"get": {
        "summary": "A period's figures, one row per group and queue", "parameters": PERIOD,
        "responses": {"200": _json({"type": "object", "properties": {
            "from": {"type": "string"}, "to": {"type": "string"}, "by": {"type": "string"},
            "rows": {"type": "array", "items": QUEUE}}}), **_errors(401, 403, 422)}}},
    "/api/v1/supervisor/reports.csv": {"get": {
        "summary": "The same rows as CSV", "parameters": PERIOD,
        "responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}, **_errors(401, 403, 422)}}},
    "/api/v1/supervisor/reports/daily": {"get": {
        "summary": "The daily report: volumes, service level, abandonment, top reasons, emergencies and their "
                   "time to doctor, referrals and appointments", "parameters": DAY,
        "responses": {"200": _json({"type": "object"}), **_errors(401, 403, 422)}}},
    "/api/v1/supervisor/reports/daily.pdf": {"get": {
        "summary": "The printable daily report (A4 PDF, Hindi shaped)", "parameters": DAY,
        "responses": {"200": {"description": "PDF", "content": {"application/pdf": {}}}, **_errors(401, 403, 422)}}},
    "/api/v1/supervisor/agents/{staff_id}/state": {"put": {
        "summary": "Set an operator's or doctor's state for them (refused while they hold a live case); audited",
        "parameters": [{"name": "staff_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": _body({"type": "object", "required": ["state", "reason"], "properties": {
            "state": {"enum": list(SETTABLE)}, "reason": {"type": "string", "maxLength": 200}}}),
        "responses": {"200": _json({"type": "object", "properties": {
            "id": {"type": "integer"}, "state": {"type": "string"}, "since": {"type": "string"}}}),
            **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/supervisor/cases/{case_id}/monitor": {
        "post": {"summary": "Listen to (muted), whisper to (coach the agent) or barge into the case's live call; "
                            "again with another mode to switch. Written on the case timeline and audited",
                 "parameters": [CASE_PARAM],
                 "requestBody": _body({"type": "object", "required": ["mode"], "properties": {
                     "mode": {"enum": ["listen", "whisper", "barge"]}}}),
                 "responses": {"201": _json(MONITOR, "Joined"), "200": _json(MONITOR, "Mode changed"),
                               **_errors(401, 403, 404, 409, 422)}},
        "delete": {"summary": "Leave the case's call", "parameters": [CASE_PARAM],
                   "responses": {"200": _json(MONITOR), **_errors(401, 403, 404, 409)}}},
}
