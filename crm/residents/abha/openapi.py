"""OpenAPI paths of ABHA linking (card office)."""

from crm.helpline.api.openapi import ID_PARAM, _body, _errors, _json

PATHS = {
    "/api/v1/patients/{patient_id}/abha": {"post": {
        "summary": "Link a resident's ABHA number (14 digits, xx-xxxx-xxxx-xxxx) and/or ABHA address (name@abdm); audited",
        "parameters": [ID_PARAM],
        "requestBody": _body({"type": "object", "properties": {
            "abha_number": {"type": "string", "examples": ["91-1234-5678-9012"]},
            "abha_address": {"type": "string", "examples": ["asha.devi@abdm"]}}}),
        "responses": {"200": _json({"type": "object", "description": "the patient part of the PatientView"}),
                      **_errors(400, 401, 403, 404, 409, 422)},
    }},
}
