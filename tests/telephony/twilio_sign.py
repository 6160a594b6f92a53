"""Sign webhook requests exactly as Twilio does, with the twilio library's own validator."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from crm.config import EMULATOR_AUTH_TOKEN


def signature(url: str, params: dict, token: str = EMULATOR_AUTH_TOKEN) -> str:
    """X-Twilio-Signature for a POST of `params` to `url`."""
    return RequestValidator(token).compute_signature(url, params)


def post(client, path: str, params: dict, base: str = "http://sampark.test", token: str = EMULATOR_AUTH_TOKEN,
         **kwargs):
    """POST `params` to `path` as Twilio would, signed over base + path."""
    headers = {"X-Twilio-Signature": signature(base + path, params, token)} | kwargs.pop("headers", {})
    return client.post(path, data=params, headers=headers, **kwargs)
