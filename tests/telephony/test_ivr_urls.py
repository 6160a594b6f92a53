"""The IVR's URLs put in the TwiML are the ones url_for builds, at the root and under a mount point; Twilio's
signed webhooks skip the rate limiter, other routes do not."""

from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony import signature, voice

ENDPOINTS = ("telephony.menu", "telephony.card", "telephony.wait", "telephony.wait_choice", "telephony.queue_result",
             "telephony.conference_status")


# The app is only read, never changed, between examples.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(1, 2**31 - 1), st.sampled_from(["", "/helpline", "/a/b"]))
def test_the_ivr_urls_are_url_fors(app, case, mount):
    with app.test_request_context("/telephony/voice", environ_overrides={"SCRIPT_NAME": mount}):
        for endpoint in ENDPOINTS:
            assert voice._url(endpoint, case) == url_for(endpoint, case=case)


def test_signed_webhooks_skip_the_rate_limiter_and_other_routes_do_not(app):
    with app.test_request_context("/telephony/voice/wait?case=1", method="POST"):
        assert signature._provider_webhook() is True
    with app.test_request_context("/telephony/sms", method="POST"):
        assert signature._provider_webhook() is True
    for path in ("/api/v1/lookup", "/login"):
        with app.test_request_context(path, method="POST"):
            assert signature._provider_webhook() is False
