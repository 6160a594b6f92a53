"""OpenAPI paths of a case's WhatsApp conversation (the 24-hour window and approved templates)."""

from crm.helpline.api.openapi import CASE_PARAM, _body, _errors, _json

PATHS = {
    "/api/v1/cases/{case_id}/whatsapp": {"get": {
        "summary": "Whether free-form WhatsApp replies may go now (24 h since the citizen's last message) and "
                   "the approved templates",
        "parameters": [CASE_PARAM],
        "responses": {"200": _json({"type": "object", "properties": {
            "channel": {"enum": ["sms", "whatsapp"]}, "window": {"type": ["object", "null"]},
            "templates": {"type": "array", "items": {"type": "object"}}}}), **_errors(401, 403, 404)},
    }},
    "/api/v1/cases/{case_id}/whatsapp/template": {"post": {
        "summary": "Send an approved WhatsApp template (allowed in or outside the 24-hour window)",
        "parameters": [CASE_PARAM],
        "requestBody": _body({"type": "object", "required": ["name", "language", "variables"], "properties": {
            "name": {"type": "string"}, "language": {"enum": ["hi", "en", "pa", "ur"]},
            "variables": {"type": "array", "items": {"type": "string", "maxLength": 120}}}}),
        "responses": {"201": _json({"type": "object"}), **_errors(401, 403, 404, 409, 422)},
    }},
}
