"""The one gate every Twilio webhook passes: X-Twilio-Signature, checked before anything is stored."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from flask import Response, current_app, request
from twilio.request_validator import RequestValidator

from crm.auth.access import csrf_exempt, public

log = logging.getLogger(__name__)


def signed_url() -> str:
    """The URL Twilio signed: the configured public base plus this path and query.

    Behind a TLS-terminating proxy `request.url` says http://internal-host/..., which is not what
    Twilio signed, so the public base URL is the only trustworthy prefix.
    """
    query = request.query_string.decode()
    return current_app.config["PUBLIC_BASE_URL"] + request.path + (f"?{query}" if query else "")


def is_valid_request() -> bool:
    """Whether this request carries Twilio's signature over the URL and its form fields."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    params = request.form.to_dict(flat=False) if request.method == "POST" else {}
    return validator.validate(signed_url(), {k: v if len(v) > 1 else v[0] for k, v in params.items()}, signature)


def twilio_webhook(view: Callable) -> Callable:
    """Refuse (403, nothing stored) any request not signed by Twilio with our auth token."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not is_valid_request():
            log.warning("refused unsigned or forged Twilio webhook %s from %s", request.path, request.remote_addr)
            return Response("Forbidden: bad or missing X-Twilio-Signature\n", status=403, mimetype="text/plain")
        return view(*args, **kwargs)

    return public(csrf_exempt(checked))
