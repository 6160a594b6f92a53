"""Telephony fixtures: jobs held until a test runs them."""

import itertools

import pytest

from tests.conftest import app_with_schema

_sid = itertools.count(1)


def sid(prefix: str) -> str:
    """A fresh Twilio-style sid."""
    return f"{prefix}{next(_sid):032x}"


@pytest.fixture
def app(tmp_path):
    """The telephony app: jobs held so tests see them."""
    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False) as app:
        yield app


def call_params(call_sid: str, caller: str = "+919810000001", **extra) -> dict:
    """The parameters of an incoming-call webhook."""
    return {"CallSid": call_sid, "AccountSid": "AC" + "0" * 32, "From": caller, "To": "+911800112233",
            "Caller": caller, "Called": "+911800112233", "CallStatus": "ringing", "Direction": "inbound",
            "ApiVersion": "2010-04-01"} | extra
