"""The JSON API under /api/v1: every dashboard action is also a call here."""

from flask import Blueprint, request

from crm.errors import Refused
from crm.security import bounds

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def bounded_int(value, name: str, low: int = 1, high: int = bounds.MAX_ID) -> int:
    """A whole number from a request body or query within [low, high], or a 422 naming the field."""
    try:
        return bounds.bounded_int(value, low, high)
    except ValueError as exc:
        raise Refused("bad_request", f"{name} must be a whole number from {low} to {high}.", 422) from exc


def body() -> dict:
    """The JSON object of the request, or the form fields; never raises."""
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        return data
    return request.form.to_dict()


from crm.api import account, call_controls, cards, cases, doctor, floor, openapi, operator, patients, telephony  # noqa: F401  (registers the routes)
