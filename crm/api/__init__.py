"""The JSON API under /api/v1: every dashboard action is also a call here."""

from flask import Blueprint, jsonify, request

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error(code: str, message: str, status: int):
    """The API's one error shape: {"error": CODE, "message": TEXT}."""
    return jsonify(error=code, message=message), status


def body() -> dict:
    """The JSON object of the request, or the form fields; never raises."""
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        return data
    return request.form.to_dict()


from crm.api import account, cards, cases, doctor, openapi, operator, patients, telephony  # noqa: F401  (registers the routes)
