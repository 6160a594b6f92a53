"""Every webhook checks X-Twilio-Signature; forged or unsigned requests get 403 and store nothing."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from crm.models import Call, Case, Message
from tests.conftest import make_app
from tests.telephony import twilio_sign
from tests.telephony.conftest import call_params, sid

WEBHOOKS = ["/telephony/voice", "/telephony/voice/status", "/telephony/sms", "/telephony/sms/status",
            "/telephony/voice/menu?case=1", "/telephony/voice/wait?case=1", "/telephony/voice/queue-result?case=1"]


def test_twilio_published_vector():
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234", "From": "+14158675309",
              "To": "+18005551212"}
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert RequestValidator("12345").compute_signature(url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert twilio_sign.signature(url, params, token="12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def _nothing_stored():
    return Case.query.count() == Call.query.count() == Message.query.count() == 0


@pytest.mark.parametrize("path", WEBHOOKS)
def test_unsigned_request_is_refused(client, path):
    response = client.post(path, data=call_params(sid("CA")) | {"MessageSid": sid("SM"), "Body": "hi"})
    assert response.status_code == 403 and _nothing_stored()


@pytest.mark.parametrize("path", WEBHOOKS)
def test_forged_signature_is_refused(client, path):
    params = call_params(sid("CA")) | {"MessageSid": sid("SM"), "Body": "hi"}
    forged = twilio_sign.signature("http://sampark.test" + path, params, token="not-our-token")
    assert client.post(path, data=params, headers={"X-Twilio-Signature": forged}).status_code == 403
    assert _nothing_stored()


def test_signature_over_other_params_is_refused(client):
    params = call_params(sid("CA"))
    signature = twilio_sign.signature("http://sampark.test/telephony/voice", params)
    tampered = params | {"From": "+919999999999"}
    assert client.post("/telephony/voice", data=tampered, headers={"X-Twilio-Signature": signature}).status_code == 403
    assert _nothing_stored()


def test_signed_request_is_accepted(client):
    response = twilio_sign.post(client, "/telephony/voice", call_params(sid("CA")))
    assert response.status_code == 200 and Case.query.count() == 1


def test_behind_a_tls_proxy_the_public_url_is_what_counts(tmp_path):
    from crm.platform.extensions import db

    app = make_app(tmp_path, PUBLIC_BASE_URL="https://help.sampark.example", JOBS_HOLD=True)
    with app.app_context():
        db.create_all()
        client = app.test_client()
        params = call_params(sid("CA"))
        # The proxy forwards to http://10.0.0.5:8000; Twilio signed the https public URL.
        response = twilio_sign.post(client, "/telephony/voice", params, base="https://help.sampark.example",
                                    base_url="http://10.0.0.5:8000")
        assert response.status_code == 200
        internal = twilio_sign.post(client, "/telephony/voice", params | {"CallSid": sid("CA")},
                                    base="http://10.0.0.5:8000", base_url="http://10.0.0.5:8000")
        assert internal.status_code == 403


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(scheme=st.sampled_from(["http", "https"]), host=st.sampled_from(["sampark.test", "help.example.in"]),
       port=st.sampled_from(["", ":80", ":443", ":8443"]),
       path=st.lists(st.text("abcz09-_.~%", min_size=1, max_size=8), max_size=4),
       query=st.lists(st.tuples(st.text("abc=&", max_size=5), st.text("xyz09&=", max_size=5)), max_size=3),
       fields=st.lists(st.tuples(st.sampled_from(["CallSid", "From", "Digits", "Body", "b", "a"]), _text),
                       max_size=8),
       signed_as=st.sampled_from(["as sent", "other port", "forged", "other fields", "empty"]))
def test_the_fast_check_answers_as_twilios_validator(scheme, host, port, path, query, fields, signed_as):
    """telephony.signature.is_valid is twilio's RequestValidator.validate for a form POST, at less cost."""
    from urllib.parse import urlencode

    from werkzeug.datastructures import MultiDict

    from telephony.signature import is_valid

    url = f"{scheme}://{host}{port}/" + "/".join(path) + (f"?{urlencode(query)}" if query else "")
    form = MultiDict(fields)
    other_port = url.replace(f"{host}{port}", host if port else f"{host}:{443 if scheme == 'https' else 80}", 1)
    signature = {"as sent": RequestValidator("tok").compute_signature(url, form),
                 "other port": RequestValidator("tok").compute_signature(other_port, form),
                 "forged": RequestValidator("not-tok").compute_signature(url, form),
                 "other fields": RequestValidator("tok").compute_signature(url, MultiDict(fields + [("x", "1")])),
                 "empty": ""}[signed_as]
    assert is_valid("tok", url, form, signature) == RequestValidator("tok").validate(url, form, signature)
