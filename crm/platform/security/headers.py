"""Security headers on every response, and `Cache-Control: no-store` on everything but static files.

The policy allows scripts only from our own origin (no inline script, no eval): templates keep their
JavaScript in static/js. Pages, JSON and PDFs may hold patient data, so no browser or proxy keeps a copy.
"""

from __future__ import annotations

from flask import Flask, Response, request

# The browser phone (production Twilio) talks to Twilio's signalling and event endpoints and plays its sounds.
TWILIO_CONNECT = "wss://*.twilio.com https://*.twilio.com"
TWILIO_MEDIA = "https://sdk.twilio.com"
CACHEABLE_ENDPOINTS = {"static", "pages.jwks", "pages.card_status"}


def policy(telephony: str) -> str:
    """The Content-Security-Policy for this deployment."""
    twilio = telephony == "twilio"
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data: blob:",
        "font-src": "'self'",
        "connect-src": "'self'" + (f" {TWILIO_CONNECT}" if twilio else ""),
        "media-src": "'self' blob:" + (f" {TWILIO_MEDIA}" if twilio else ""),
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def init_app(app: Flask) -> None:
    """Add the headers to every response of `app`."""
    csp = policy(app.config.get("TELEPHONY", "emulator"))
    production = app.config.get("SAMPARK_ENV") == "production"

    @app.after_request
    def _secure(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # same-origin, not no-referrer: Flask-WTF's CSRF check over https compares the Referer with the host.
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(self), geolocation=(self), payment=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        return response
