"""The web edge's defences: bounded numbers and text from outside, security headers, trusted proxies."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from crm.platform.security import bounds, headers, inputs


def init_app(app: Flask) -> None:
    """Install the bounded int converter (before any blueprint), the input check (the first before_request, so
    before sign-in and signature checks read anything), the headers and the proxy setting."""
    app.url_map.converters["int"] = bounds.BoundedIntConverter
    inputs.init_app(app)
    headers.init_app(app)
    hops = app.config.get("TRUSTED_PROXY_HOPS", 0)
    if hops:
        # Only as many X-Forwarded-* entries as there are proxies we run are believed; the rest is client-made.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_prefix=0)
