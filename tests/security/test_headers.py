"""Security headers on every response; no-store wherever patient data may be; no inline script anywhere."""

import re
from pathlib import Path

import pytest

from tests.conftest import make_app

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize("path", ["/login", "/lookup", "/api/v1/cases", "/api/v1/me", "/nowhere"])
def test_every_response_carries_the_security_headers(client, login, path):
    login("supervisor")
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # plain http in development: HSTS would be a lie


@pytest.mark.parametrize("path", ["/lookup", "/workspace/", "/api/v1/cases", "/api/v1/me/tokens"])
def test_pages_and_json_are_never_cached(client, login, path):
    login("supervisor" if "workspace" not in path else "operator")
    response = client.get(path, follow_redirects=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    assert client.get("/static/js/report.js").headers.get("Cache-Control") != "no-store"


def test_production_sends_hsts(tmp_path):
    from crm.residents.cards.token import KeyRing

    KeyRing.generate(tmp_path / "k.pem")
    app = make_app(tmp_path, SAMPARK_ENV="production", SECRET_KEY="s" * 32, REDIS_URL="redis://127.0.0.1:6379/15",
                   PUBLIC_BASE_URL="https://help.example.in", TELEPHONY="twilio", TWILIO_ACCOUNT_SID="AC" + "0" * 32,
                   TWILIO_AUTH_TOKEN="t" * 32, TWILIO_PHONE_NUMBER="+911800112233", TWILIO_BYOC_TRUNK_SID="BY" + "0" * 32,
                   CARD_SIGNING_KEY_FILE=str(tmp_path / "k.pem"))
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "wss://*.twilio.com" in response.headers["Content-Security-Policy"]


def test_no_template_has_inline_script_or_event_handlers():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if path.parts[-2] == "emulator":
            continue  # the emulator is a separate app, never served in production
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path.name}: {tag}")
        offenders += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
    assert offenders == []

