"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

from flask import jsonify

from crm.cases.languages import LANGUAGES
from crm.models.case import CHANNELS, PRIORITIES
from crm.platform.api import bp
from crm.staff.auth.access import public

ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    text = {400: "Bad request", 401: "Not logged in", 403: "Role not allowed", 404: "Not found",
            409: "Conflicts with the current state", 422: "Unreadable input (check digit, signature, format)"}
    return {str(c): _json(ERROR, text[c]) for c in codes}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


CARD_PARAM = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"},
              "description": "12-digit card number; spaces and dashes allowed"}
CASE_PARAM = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "integer"}}
ID_PARAM = {"name": "patient_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _card_action(summary: str, fields: dict, required: list[str], created: bool = False) -> dict:
    return {"post": {
        "summary": summary, "parameters": [CARD_PARAM],
        "requestBody": _body({"type": "object", "properties": fields, "required": required}),
        "responses": {"201" if created else "200": _json({"$ref": "#/components/schemas/Card"}),
                      **_errors(401, 403, 404, 409, 422)},
    }}


PATHS = {
    "/api/v1/lookup": {"post": {
        "summary": "Find a patient by exactly one of qr (Sampark or ABHA card), card_number, phone or abha (audited)",
        "requestBody": _body({"$ref": "#/components/schemas/LookupQuery"}),
        "responses": {"200": _json({"$ref": "#/components/schemas/PatientView"}), **_errors(400, 401, 403, 404, 422)},
    }},
    "/api/v1/scan": {"post": {
        "summary": "Decode the QR in a photo of a card (multipart field 'photo') and look the patient up",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {"photo": {"type": "string", "format": "binary"},
                                             "case_id": {"type": "integer"}}, "required": ["photo"]}}}},
        "responses": {"200": _json({"$ref": "#/components/schemas/PatientView"}), **_errors(400, 401, 403, 404, 422)},
    }},
    "/api/v1/patients/{patient_id}": {"get": {
        "summary": "A patient's record (audited)", "parameters": [ID_PARAM],
        "responses": {"200": _json({"$ref": "#/components/schemas/PatientView"}), **_errors(401, 403, 404)},
    }},
    "/api/v1/patients/{patient_id}/cards": {"post": {
        "summary": "Issue a first card to a resident", "parameters": [ID_PARAM],
        "responses": {"201": _json({"$ref": "#/components/schemas/Card"}), **_errors(401, 403, 404, 409)},
    }},
    "/api/v1/cards/{number}": {"get": {
        "summary": "A card's status and lifecycle", "parameters": [CARD_PARAM],
        "responses": {"200": _json({"$ref": "#/components/schemas/Card"}), **_errors(401, 403, 404, 422)},
    }},
    "/api/v1/cards/{number}/qr.png": {"get": {
        "summary": "The card's signed QR code", "parameters": [CARD_PARAM],
        "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, **_errors(401, 403, 404, 422)},
    }},
    "/api/v1/cards/{number}.pdf": {"get": {
        "summary": "The printable two-sided card (CR80)", "parameters": [CARD_PARAM],
        "responses": {"200": {"description": "PDF", "content": {"application/pdf": {}}}, **_errors(401, 403, 404, 422)},
    }},
    "/api/v1/cards/{number}/reissue": _card_action(
        "Replace a live card: revised (details changed) or duplicate (lost); older cards become superseded",
        {"reason": {"enum": ["revised", "duplicate"]}}, ["reason"], created=True),
    "/api/v1/cards/{number}/revoke": _card_action("Revoke a card", {"reason": {"type": "string"}}, ["reason"]),
    "/api/v1/cards/{number}/verification": _card_action(
        "Record door-to-door verification (issued -> verified)", {"where": {"type": "string"}}, ["where"]),
    "/api/v1/cards/{number}/delivery": _card_action(
        "Record delivery to the holder (verified -> delivered)", {"note": {"type": "string"}}, []),
    "/api/v1/cases": {"get": {
        "summary": "Cases, newest first",
        "parameters": [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                       for n in ("phone", "status", "channel", "priority", "queue", "limit")],
        "responses": {"200": _json({"type": "object", "properties": {
            "cases": {"type": "array", "items": {"$ref": "#/components/schemas/Case"}}}}), **_errors(401, 403, 422)},
    }},
    "/api/v1/cases/{case_id}": {"get": {
        "summary": "One case with its timeline, calls and messages", "parameters": [CASE_PARAM],
        "responses": {"200": _json({"$ref": "#/components/schemas/Case"}), **_errors(401, 403, 404)},
    }},
    "/api/v1/cases/{case_id}/claim": {"post": {
        "summary": "Answer this case: 200 for the one who wins, 409 for everyone else", "parameters": [CASE_PARAM],
        "responses": {"200": _json({"$ref": "#/components/schemas/Case"}), **_errors(401, 403, 409)},
    }},
    "/api/v1/queues/tier1/next": {"post": {
        "summary": "Answer the most urgent, longest-waiting tier-1 case (409 if none or lost)",
        "responses": {"200": _json({"$ref": "#/components/schemas/Case"}), **_errors(401, 403, 409)},
    }},
    "/api/v1/telephony/token": {"get": {
        "summary": "Twilio Voice access token for this staff member's browser (identity staff-<id>)",
        "responses": {"200": _json({"type": "object", "properties": {
            "token": {"type": "string"}, "identity": {"type": "string"}, "ttl": {"type": "integer"}}}),
            **_errors(401, 403)},
    }},
    "/api/v1/me": {"get": {"summary": "The staff member behind this session or token", "responses": {
        "200": _json({"type": "object"}), **_errors(401)}}},
    "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [],
                                     "responses": {"200": _json({"type": "object"})}}},
}

SCHEMAS = {
    "Case": {"type": "object", "properties": {
        "id": {"type": "integer"}, "reference": {"type": "string"}, "channel": {"enum": list(CHANNELS)},
        "status": {"type": "string"}, "priority": {"enum": list(PRIORITIES)},
        "queue": {"type": ["string", "null"]}, "caller": {"type": ["string", "null"], "description": "masked"},
        "patient_id": {"type": ["integer", "null"]}, "specialty": {"type": ["string", "null"]},
        "language": {"enum": list(LANGUAGES), "description": "the caller's: every reply and call-back uses it"},
        "assigned_to": {"type": ["integer", "null"], "description": "the operator working it"},
        **{f"{moment}_at": {"type": ["string", "null"]} for moment in (
            "created", "queued", "claimed", "callback_requested", "abandoned", "closed")},
        "calls": {"type": "array", "items": {"type": "object", "properties": {
            "sid": {"type": "string"}, "purpose": {"type": "string"}, "status": {"type": "string"},
            "queue_result": {"type": ["string", "null"]}, "queue_seconds": {"type": ["integer", "null"]},
            "duration": {"type": ["integer", "null"]}}}, "description": "with the timeline only"},
        "messages": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "direction": {"type": "string"}, "status": {"type": "string"},
            "body": {"type": "string", "description": "citizen text: display as text, never HTML"},
            "created_at": {"type": "string"}}}, "description": "with the timeline only"},
        "connection": {
            "enum": ["connecting", "calling_back", "gone", "sms", "failed"],
            "description": "claims only: how the caller is being connected"},
        "timeline": {"type": "array", "items": {"type": "object", "properties": {
            "at": {"type": "string"}, "kind": {"type": "string"}, "staff": {"type": ["string", "null"]},
            "detail": {"type": "object"}}}}}},
    "Error": {"type": "object", "required": ["error", "message"], "properties": {
        "error": {"type": "string", "examples": ["check_digit", "malformed", "bad_signature", "unknown_key", "not_found"]},
        "message": {"type": "string"}}},
    "LookupQuery": {"type": "object", "properties": {
        "qr": {"type": "string", "description": "the text of the card's QR code"},
        "card_number": {"type": "string", "description": "12 digits, last one a Verhoeff check digit"},
        "phone": {"type": "string", "description": "any Indian format; normalised to E.164"},
        "abha": {"type": "string", "description": "ABHA number (14 digits) or ABHA address (name@abdm)"},
        "case_id": {"type": "integer", "description": "the case this lookup is for (audit)"}}},
    "Card": {"type": ["object", "null"], "properties": {
        "number": {"type": "string"}, "version": {"type": "integer"},
        "status": {"enum": ["issued", "verified", "delivered", "superseded", "revoked"]},
        "current_number": {"type": ["string", "null"]}, "reason": {"enum": ["original", "revised", "duplicate"]},
        "issued_at": {"type": "string"}, "verified_at": {"type": ["string", "null"]},
        "verified_where": {"type": ["string", "null"]}, "delivered_at": {"type": ["string", "null"]},
        "revoked_at": {"type": ["string", "null"]}, "notice": {"type": ["string", "null"]}}},
    "PatientView": {"type": "object", "required": ["patient", "card", "household", "clinical", "sections"],
                    "description": "what the caller's role sees of the record: only the fields of the sections listed "
                                   "in `sections` are present (the card office: demographics, contact, health ids, "
                                   "card, household, blood group, emergency contact; no clinical field)",
                    "properties": {
        "sections": {"type": "array", "items": {"type": "string"}},
        "patient": {"type": "object", "properties": {
            "id": {"type": "integer"}, "registry_id": {"type": "string"}, "name": {"type": "string"},
            "name_hi": {"type": ["string", "null"]}, "sex": {"enum": ["M", "F", "O"]},
            "date_of_birth": {"type": ["string", "null"]}, "age": {"type": ["integer", "null"]},
            "mobile": {"type": ["string", "null"], "description": "masked"},
            "abha_number": {"type": ["string", "null"], "description": "as printed, xx-xxxx-xxxx-xxxx"},
            "abha_address": {"type": ["string", "null"]}}},
        "card": {"$ref": "#/components/schemas/Card"},
        "household": {"type": "array", "items": {"type": "object"}},
        "household_id": {"type": ["string", "null"]},
        "clinical": {"type": "object", "properties": {
            "blood_group": {"type": ["string", "null"]}, "allergies": {"type": "array"},
            "chronic_conditions": {"type": "array"}, "current_medications": {"type": "array"},
            "emergency_contact": {"type": "object"}}},
        "matches": {"type": "array", "description": "other residents sharing the phone"},
        "hospital": {"type": ["object", "null"], "description": (
            "history hospitals sent through the FHIR API (null if none): entries (newest first, with hospital, "
            "date and sender: the doctor and organization behind the fact, from the hospital's Provenance or the "
            "resource's author fields), and allergies, medications and conditions merged with the helpline's record, each with its "
            "sources and a conflict text when they disagree")}}},
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Sampark API", "version": "1",
             "description": "Delhi health helpline: patients, health cards, cases. Errors are "
                            "{\"error\": CODE, \"message\": TEXT}."},
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}, {"session": []}],
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "`flask staff token USERNAME`"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session",
                        "description": "staff login; unsafe methods also need the X-CSRFToken header"}},
        "schemas": SCHEMAS},
    "paths": PATHS,
}


def _merge_paths() -> None:
    """Each area of the API describes its own paths in its own module."""
    from crm.citizens.facilities.openapi import PATHS as FACILITY_PATHS
    from crm.helpline.api.openapi_account import PATHS as ACCOUNT_PATHS
    from crm.helpline.api.openapi_doctor import PATHS as DOCTOR_PATHS
    from crm.helpline.api.openapi_operator import PATHS as OPERATOR_PATHS
    from crm.helpline.supervisor.openapi import PATHS as SUPERVISOR_PATHS
    from crm.helpline.whatsapp.openapi import PATHS as WHATSAPP_PATHS
    from crm.residents.abha.openapi import PATHS as ABHA_PATHS
    from crm.residents.enrollment.openapi import PATHS as ENROLLMENT_PATHS
    from crm.residents.field.openapi import PATHS as FIELD_PATHS
    from crm.staff.access_log.openapi import PATHS as ACCESS_LOG_PATHS
    from crm.staff.admin.openapi import PATHS as ADMIN_PATHS

    PATHS.update(DOCTOR_PATHS)
    PATHS.update(OPERATOR_PATHS)
    PATHS.update(ACCESS_LOG_PATHS)
    PATHS.update(SUPERVISOR_PATHS)
    PATHS.update(ACCOUNT_PATHS)
    PATHS.update(ABHA_PATHS)
    PATHS.update(ADMIN_PATHS)
    PATHS.update(FACILITY_PATHS)
    PATHS.update(WHATSAPP_PATHS)
    PATHS.update(FIELD_PATHS)
    PATHS.update(ENROLLMENT_PATHS)


_merge_paths()


@bp.get("/openapi.json")
@public
def openapi():
    """The API description (public: it holds no data)."""
    return jsonify(DOCUMENT)
