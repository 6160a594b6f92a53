"""The JSON API under /api/v1: one blueprint, every dashboard action is also a call here.

Each area's route modules add their routes to `bp`; its area module (crm/<area>/area.py) lists them.
"""

from flask import Blueprint, request

from crm.platform.errors import Refused
from crm.platform.security import bounds

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


