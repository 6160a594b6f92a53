"""OpenAPI paths of the supervisor's API (/api/v1/supervisor/...)."""

from crm.helpline.api.openapi import CASE_PARAM, _body, _errors, _json

QUEUE = {"type": "object", "properties": {
    "queue": {"enum": ["tier1", "texts", "tier2", "emergency"]}, "name": {"type": "string"},
    "offered": {"type": "integer"}, "answered": {"type": "integer"}, "abandoned": {"type": "integer"},
    "short_abandoned": {"type": "integer", "description": "hung up within SHORT_ABANDON_SECONDS"},
    "service_level": {"type": ["number", "null"], "description": "percent answered within threshold_seconds"},
    "threshold_seconds": {"type": "integer"}, "target_percent": {"type": "integer"},
    "average_speed_of_answer": {"type": ["number", "null"], "description": "seconds"},
    "abandon_rate": {"type": ["number", "null"], "description": "percent, short abandons left out"},
    "average_handle_time": {"type": ["number", "null"], "description": "seconds of talk plus wrap-up"},
    "time_to_doctor_median": {"type": ["number", "null"]}, "time_to_doctor_p90": {"type": ["number", "null"]},
    "waiting": {"type": "integer"}, "longest_wait": {"type": ["integer", "null"]},
    "status": {"type": "object", "description": "green, amber or red per figure against its target"}}}
FCR = {"type": "object", "properties": {"contacts": {"type": "integer"}, "resolved_first_time": {"type": "integer"},
                                        "percent": {"type": ["number", "null"]}, "final": {"type": "boolean"}}}
AGENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "role": {"enum": ["operator", "doctor"]},
    "state": {"enum": ["available", "on_call", "wrap_up", "break", "offline"]},
    "seconds_in_state": {"type": ["integer", "null"]}, "case": {"type": ["string", "null"]},
    "case_id": {"type": ["integer", "null"]}, "on_the_phone": {"type": "boolean"}, "cases_today": {"type": "integer"},
    "average_handle_time": {"type": ["number", "null"]}}}
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
        "summary": "The live board: today's figures per queue, who waits now, every operator and doctor",
        "responses": {"200": _json({"type": "object", "properties": {
            "day": {"type": "string"}, "at": {"type": "string"}, "queues": {"type": "array", "items": QUEUE},
            "first_contact_resolution": FCR, "callbacks_requested": {"type": "integer"},
            "agents": {"type": "array", "items": AGENT}}}), **_errors(401, 403)}}},
    "/api/v1/supervisor/wallboard": {"get": {
        "summary": "The wallboard: queue figures and agent counts per state, no names or cases",
        "responses": {"200": _json({"type": "object", "properties": {
            "queues": {"type": "array", "items": QUEUE}, "agents": {"type": "object"}}}), **_errors(401, 403)}}},
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
            "state": {"enum": ["available", "break", "offline"]}, "reason": {"type": "string", "maxLength": 200}}}),
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
