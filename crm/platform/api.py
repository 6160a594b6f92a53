"""The JSON API under /api/v1: every dashboard action is also a call here."""

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


from crm.helpline.api import (
    call_controls,  # noqa: F401  (registers the routes)
    cases,  # noqa: F401  (registers the routes)
    doctor,  # noqa: F401  (registers the routes)
    openapi,  # noqa: F401  (registers the routes)
    operator,  # noqa: F401  (registers the routes)
    telephony,  # noqa: F401  (registers the routes)
)
from crm.helpline.supervisor import floor_api as floor  # noqa: F401  (registers the routes)
from crm.residents import lookup_api as patients  # noqa: F401  (registers the routes)
from crm.residents.cards import api as cards  # noqa: F401  (registers the routes)
from crm.staff import account_api as account  # noqa: F401  (registers the routes)
