"""The one gate every Twilio webhook passes: X-Twilio-Signature, checked before anything is stored."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
from collections.abc import Callable
from urllib.parse import urlparse

from flask import Response, current_app, request
from sqlalchemy.exc import DBAPIError
from twilio.request_validator import add_port, remove_port
from werkzeug.datastructures import MultiDict

from crm.platform.extensions import db, limiter
from crm.platform.security.bounds import optional_id
from crm.staff.auth.access import csrf_exempt, public
from telephony import webhook_fields

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
    # The MultiDict itself: every value of a repeated field is signed, as Twilio does.
    return is_valid(current_app.config["TWILIO_AUTH_TOKEN"], signed_url(),
                    request.form if request.method == "POST" else MultiDict(), signature)


def is_valid(token: str, url: str, form: MultiDict, signature: str) -> bool:
    """What twilio's RequestValidator.validate answers for a form POST (HMAC-SHA1 over the URL, then each field
    name and value in sorted order; the URL with or without its port), at a third of its cost: the fields are
    joined once and the second HMAC is made only when the first does not match (tests/telephony/test_signature.py
    holds the two equal)."""
    signed = "".join(name + value for name in sorted(form) for value in sorted(set(form.getlist(name))))
    key = token.encode()
    parsed = urlparse(url)
    for candidate in (remove_port(parsed), add_port(parsed)):
        digest = hmac.new(key, (candidate + signed).encode(), hashlib.sha1).digest()
        if hmac.compare_digest(base64.b64encode(digest), signature.encode()):
            return True
    return False


def twilio_webhook(view: Callable) -> Callable:
    """Refuse (403) any request not signed by Twilio with our auth token, and (400) any field out of shape.

    Either way nothing is stored: the view never runs.
    """

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not is_valid_request():
            log.warning("refused unsigned or forged Twilio webhook %s from %s", request.path, request.remote_addr)
            return Response("Forbidden: bad or missing X-Twilio-Signature\n", status=403, mimetype="text/plain")
        refusal = webhook_fields.problem(request.form) or _query_problem()
        if refusal:
            log.warning("refused signed Twilio webhook %s: %s", request.path, refusal)
            return Response(f"Bad request: {refusal}\n", status=400, mimetype="text/plain")
        request.form = webhook_fields.cleaned(request.form)  # signed as sent; kept without control characters
        try:
            return view(*args, **kwargs)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            # The pooled connection had died (failover, a cut connection): SQLAlchemy has discarded the pool,
            # nothing was committed, and Twilio will not retry a voice webhook, so try once more ourselves.
            log.warning("database connection lost during %s; retrying once on a new one", request.path)
            db.session.rollback()
            return view(*args, **kwargs)

    checked.provider_webhook = True
    return public(csrf_exempt(checked))


@limiter.request_filter
def _provider_webhook() -> bool:
    """Twilio's signed webhooks are never rate limited (a refused one leaves a caller in silence; Twilio's own rate
    is the helpline's traffic): the limiter's per-request work (its lookups of the view's and blueprint's limits,
    about a tenth of a webhook's own CPU) is skipped for them."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "provider_webhook", False)


def _query_problem() -> str | None:
    """The app's own query parameters on its IVR URLs (?case=, ?noinput=) are ids and small counts."""
    for name, values in request.args.lists():
        if len(values) > 1 or len(values[0]) > 20:
            return f"Query parameter {name[:20]!r} is repeated or too long."
    case = request.args.get("case")
    if case is not None and optional_id(case) is None:
        return "Query parameter 'case' is not a case id."
    return None
