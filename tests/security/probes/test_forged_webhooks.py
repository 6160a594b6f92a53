"""Forged Twilio webhooks on PostgreSQL: every route under /telephony, every way of forging, 403 and nothing stored.

The routes are read from the app's URL map, so a webhook added later is probed without editing this file. Each
forged request is sent against a live call and an SMS conversation (a forged status or key press would have
something to change), and every table's row count, and the instance folder where the fallback keeps contacts,
must be the same after it as before; no job may be queued and no live event published.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crm.helpline.live import events as live_events
from crm.models import Case
from crm.platform.extensions import db
from tests.security.probes.pg import row_counts
from tests.telephony import twilio_sign
from tests.telephony.conftest import call_params, sid

pytestmark = pytest.mark.pg
APP_SETTINGS = {"JOBS_HOLD": True, "JOBS_EAGER": False}
BASE = "http://sampark.test"  # tests.conftest.make_app's PUBLIC_BASE_URL: what Twilio signs


def webhook_routes(app) -> list[str]:
    """Every POST route under /telephony/ in the URL map that Twilio signs (Exotel's carry a token instead:
    tests/telephony/test_exotel.py refuses a wrong or missing one)."""
    return sorted(r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/telephony/")
                  and not r.rule.startswith("/telephony/exotel/") and "POST" in r.methods)


@pytest.fixture(scope="module")
def live(probe_app):
    """A live call (case in the IVR) and an SMS conversation, signed as Twilio would: what forgeries aim at."""
    with probe_app.app_context():
        client = probe_app.test_client()
        call_sid = sid("CA")
        assert twilio_sign.post(client, "/telephony/voice", call_params(call_sid)).status_code == 200
        sms = {"MessageSid": sid("SM"), "AccountSid": "AC" + "0" * 32, "From": "+919810000002",
               "To": "+911800112233", "Body": "bukhar hai", "NumMedia": "0"}
        assert twilio_sign.post(client, "/telephony/sms", sms).status_code == 200
        case_id = db.session.scalar(db.select(Case.id).order_by(Case.id).limit(1))
        yield {"app": probe_app, "client": client, "call_sid": call_sid, "case": case_id}


def _shapes(live) -> dict[str, dict]:
    """The request bodies a forger would send: a call's step (press 9: an emergency), a text, a WhatsApp message."""
    return {
        "call": call_params(live["call_sid"]) | {"CallStatus": "completed", "Digits": "9", "SpeechResult": "seene mein dard",
                                                 "QueueResult": "hangup", "SequenceNumber": "9"},
        "text": {"MessageSid": sid("SM"), "AccountSid": "AC" + "0" * 32, "From": "+919810000003",
                 "To": "+911800112233", "Body": "forged text", "NumMedia": "0", "MessageStatus": "delivered"},
        "whatsapp": {"MessageSid": sid("SM"), "AccountSid": "AC" + "0" * 32, "From": "whatsapp:+919810000004",
                     "To": "whatsapp:+911800112233", "Body": "forged message", "NumMedia": "0", "ProfileName": "X"},
    }


def _sign(url: str, params: dict, token: str | None = None) -> str:
    return twilio_sign.signature(url, params, **({"token": token} if token else {}))


# Each forgery: (path and query it is sent to, the fields sent, the signature sent, or None for no header).
def _forgeries(path: str, other_path: str, case: int, params: dict) -> dict[str, tuple[str, dict, str | None]]:
    sent = f"{path}?case={case}"
    right = _sign(BASE + sent, params)
    added, removed = params | {"Digits": "9", "Extra": "1"}, {k: v for k, v in params.items() if k != "From"}
    changed = params | {"From": "+919999999999"}
    return {
        "no signature": (sent, params, None),
        "empty signature": (sent, params, ""),
        "garbage signature": (sent, params, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        "truncated signature": (sent, params, right[:-2]),
        "another token": (sent, params, _sign(BASE + sent, params, token="not-our-token")),
        "another host": (sent, params, _sign("http://evil.example" + sent, params)),
        "another scheme": (sent, params, _sign(BASE.replace("http:", "https:") + sent, params)),
        "another path": (sent, params, _sign(f"{BASE}{other_path}?case={case}", params)),
        "another query": (sent, params, _sign(f"{BASE}{path}?case={case + 1}", params)),
        "no query signed": (sent, params, _sign(BASE + path, params)),
        "param added": (sent, added, right),
        "param removed": (sent, removed, right),
        "param changed": (sent, changed, right),
    }


FORGERIES = list(_forgeries("/x", "/y", 1, {"From": "1"}))


def _instance_files(app) -> dict:
    folder = Path(app.instance_path)
    return {str(p): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


def test_the_probe_finds_every_webhook(live):
    routes = webhook_routes(live["app"])
    assert len(routes) >= 15, routes  # voice, its IVR steps, status, fallbacks, missed call, sms and its status
    for expected in ("/telephony/voice", "/telephony/voice/status", "/telephony/sms", "/telephony/sms/status",
                     "/telephony/voice/fallback", "/telephony/sms/fallback", "/telephony/voice/missed-call"):
        assert expected in routes
    assert all("<" not in route for route in routes), "a webhook with a path variable: teach this probe to fill it"


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("shape", ["call", "text", "whatsapp"])
def test_a_forged_webhook_is_refused_and_stores_nothing(live, forgery, shape, monkeypatch):
    app, client = live["app"], live["client"]
    routes = webhook_routes(app)
    wrong, published = [], []
    monkeypatch.setattr(live_events, "_send", published.extend)  # live events leave only after a commit
    jobs = app.extensions["sampark_jobs"].held  # JOBS_HOLD: what would have been queued (replies, alarms)
    with app.app_context():
        for path in routes:
            other = routes[(routes.index(path) + 1) % len(routes)]
            sent, fields, signature = _forgeries(path, other, live["case"], _shapes(live)[shape])[forgery]
            before, files, queued, told = row_counts(), _instance_files(app), len(jobs), len(published)
            headers = {} if signature is None else {"X-Twilio-Signature": signature}
            response = client.post(sent, data=fields, headers=headers)
            after = row_counts()
            if response.status_code != 403:
                wrong.append(f"{path}: {response.status_code}")
            if after != before:
                wrong.append(f"{path}: stored {({t: after[t] - before[t] for t in after if after[t] != before[t]})}")
            if _instance_files(app) != files:
                wrong.append(f"{path}: wrote the instance folder")
            if len(jobs) != queued or len(published) != told:
                wrong.append(f"{path}: queued {jobs[queued:]} or published {published[told:]}")
    assert wrong == [], f"{forgery} ({shape}) was not refused cleanly"


def test_the_same_requests_signed_rightly_are_answered(live):
    """The control: without the forgery each route answers (so the 403s above are the signature check's)."""
    app, client = live["app"], live["client"]
    refused = []
    with app.app_context():
        for path in webhook_routes(app):
            for shape, params in _shapes(live).items():
                response = twilio_sign.post(client, f"{path}?case={live['case']}", params)
                if response.status_code in (401, 403) or response.status_code >= 500:
                    refused.append(f"{path} ({shape}): {response.status_code}")
    assert refused == []
