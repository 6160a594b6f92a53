"""OpenAPI paths of staff administration (admin) and the card office's jobs (registrar)."""

from crm.helpline.api.openapi import _body, _errors, _json
from crm.models.staff import ROLE_LABELS
from crm.staff.admin.staff import APPOINTED_ON_SERVER
from crm.staff.auth.capabilities import ROLES

ROLE_WORDS = "; ".join(f"{code}: {ROLE_LABELS[code]}" for code in ROLES)  # the one table of role labels

STAFF_ID = {"name": "staff_id", "in": "path", "required": True, "schema": {"type": "integer"}}
JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}}
TOKEN_ID = {"name": "token_id", "in": "path", "required": True, "schema": {"type": "integer"}}
STAFF = {"type": "object", "properties": {
    "id": {"type": "integer"}, "username": {"type": "string"}, "name": {"type": "string"}, "role": {"enum": list(ROLES), "description": ROLE_WORDS},
    "specialty": {"type": ["string", "null"]}, "desk_phone": {"type": ["string", "null"]},
    "desk": {"type": ["string", "null"]}, "state": {"enum": ["active", "disabled", "locked"]}, "identity": {"type": "string"}}}
# The roles an administrator may give, read from the roles table (the others are appointed on the command line).
FIELDS = {"name": {"type": "string"}, "role": {"enum": [r for r in ROLES if r not in APPOINTED_ON_SERVER],
                                               "description": ROLE_WORDS},
          "specialty": {"type": ["string", "null"]}, "desk_phone": {"type": ["string", "null"]},
          "desk": {"type": ["string", "null"], "description": "Grievance officers only: a section (facilities, "
                   "card_office, helpline, grievance_cell) or a facility code (HS-GTB)"}}
JOB = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"enum": ["registry_import", "card_issue"]},
    "status": {"enum": ["queued", "running", "done", "failed"]}, "stage": {"type": "string"},
    "done": {"type": "integer"}, "total": {"type": "integer"}, "rejected": {"type": "integer"},
    "result": {"type": "object"}, "error": {"type": ["string", "null"]}, "rejects": {"type": "boolean"}}}
BATCH = {"type": "object", "properties": {
    "id": {"type": "integer"}, "reference": {"type": "string"}, "cards": {"type": "integer"},
    "issue_job_id": {"type": ["integer", "null"]}, "created_at": {"type": "string"},
    "created_by": {"type": ["string", "null"]}, "parts": {"type": "integer"}}}
OBJECT = _json({"type": "object"})


def _admin_post(summary: str, extra=(), request=None) -> dict:
    operation = {"summary": summary, "parameters": [STAFF_ID, *extra],
                 "responses": {"200": OBJECT, **_errors(401, 403, 404, 409, 422)}}
    if request:
        operation["requestBody"] = request
    return {"post": operation}


PATHS = {
    "/api/v1/admin/staff": {
        "get": {"summary": "Staff accounts matching q (name or username), role and state; 25 a page",
                "parameters": [{"name": n, "in": "query", "required": False, "schema": {"type": t}}
                               for n, t in (("q", "string"), ("role", "string"), ("state", "string"),
                                            ("page", "integer"))],
                "responses": {"200": _json({"type": "object", "properties": {
                    "staff": {"type": "array", "items": STAFF}, "more": {"type": "boolean"}}}), **_errors(401, 403, 422)}},
        "post": {"summary": "Create an account (a generated password is returned once)",
                 "requestBody": _body({"type": "object", "properties": {
                     "username": {"type": "string"}, **FIELDS, "password": {"type": "string"}},
                     "required": ["username", "role"]}),
                 "responses": {"201": OBJECT, **_errors(401, 403, 422)}}},
    "/api/v1/admin/staff/{staff_id}": {
        "get": {"summary": "One account", "parameters": [STAFF_ID],
                "responses": {"200": _json(STAFF), **_errors(401, 403, 404)}},
        "patch": {"summary": "Change name, role, specialty or desk phone (audited; the last admin stays admin)",
                  "parameters": [STAFF_ID], "requestBody": _body({"type": "object", "properties": FIELDS}),
                  "responses": {"200": OBJECT, **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/admin/staff/{staff_id}/disable": _admin_post("Disable: sessions end and tokens are revoked at once"),
    "/api/v1/admin/staff/{staff_id}/enable": _admin_post("Let a disabled account log in again"),
    "/api/v1/admin/staff/{staff_id}/unlock": _admin_post("Clear a lock after repeated wrong passwords"),
    "/api/v1/admin/staff/{staff_id}/logout-everywhere": _admin_post("End every session of the account"),
    "/api/v1/admin/staff/{staff_id}/password": _admin_post(
        "Reset the password (given, or generated and returned once); every session ends",
        request={"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"password": {"type": "string"}}}}}}),
    "/api/v1/admin/staff/{staff_id}/tokens": {"get": {
        "summary": "The account's API tokens (never the tokens themselves)", "parameters": [STAFF_ID],
        "responses": {"200": OBJECT, **_errors(401, 403, 404)}}},
    "/api/v1/admin/staff/{staff_id}/tokens/{token_id}/revoke": _admin_post("Revoke one token at once", [TOKEN_ID]),
    "/api/v1/card-office/jobs": {"get": {
        "summary": "The latest registry imports and bulk card issues with their progress",
        "responses": {"200": _json({"type": "object", "properties": {"jobs": {"type": "array", "items": JOB},
                                                          "missing_cards": {"type": "integer"},
                                                          "to_print": {"type": "integer"}}}),
                      **_errors(401, 403)}}},
    "/api/v1/card-office/jobs/{job_id}": {"get": {
        "summary": "Where one import or bulk issue is now", "parameters": [JOB_ID],
        "responses": {"200": _json(JOB), **_errors(401, 403, 404)}}},
    "/api/v1/card-office/imports": {"post": {
        "summary": "Upload a registry CSV and import it as a job (progress: GET the job, or the socket event "
                   "office.progress)",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}}}},
        "responses": {"202": _json(JOB), "413": _json({"$ref": "#/components/schemas/Error"}, "File too large"),
                      **_errors(401, 403, 422)}}},
    "/api/v1/card-office/print-batches": {
        "get": {"summary": "Cards waiting to be printed and the print batches, newest first, 20 a page",
                "parameters": [{"name": "page", "in": "query", "required": False, "schema": {"type": "integer"}}],
                "responses": {"200": _json({"type": "object", "properties": {
                    "waiting": {"type": "integer"}, "batches": {"type": "array", "items": BATCH},
                    "pages": {"type": "integer"}}}), **_errors(401, 403)}},
        "post": {"summary": "Send the next issued cards (at most 200; of one bulk issue if given) to print: they are "
                            "marked printed in a new batch, whose sheets and vendor CSV are then downloaded",
                 "requestBody": {"required": False, "content": {"application/json": {"schema": {
                     "type": "object", "properties": {"issue_job_id": {"type": ["integer", "null"]}}}}}},
                 "responses": {"201": _json(BATCH), **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/card-office/card-issue": {"post": {
        "summary": "Issue cards to every resident without a live card, as a job",
        "responses": {"202": _json(JOB), **_errors(401, 403, 409)}}},
}
