"""SMART Backend Services as the specification says: scopes granted by what is registered (wildcards, v1 and v2),
keys as a JWK Set or a JWKS URL (served here by a local HTTP server, no network), kid required, jku allow-listed,
client_id checked, the discovery fields."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from crm.hospitals.fhir import clients
from crm.platform.errors import Refused
from crm.platform.extensions import db
from tests import factories
from tests.fhir.hospital import ASSERTION_TYPE, TOKEN_URL, Hospital


def _public(private, kid: str) -> dict:
    return json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key())) | {"kid": kid, "alg": "ES384"}


class _KeyServer:
    """A hospital's JWKS URL: a local HTTP server publishing whatever set the test puts in `keys`."""

    def __init__(self):
        self.keys, self.hits = {"keys": []}, 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                body = json.dumps(outer.keys).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/.well-known/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def key_server(app):
    app.config["FHIR_JWKS_ALLOW_HTTP"] = True
    server = _KeyServer()
    yield server
    server.server.shutdown()


def _assertion(client_id: str, private, kid: str | None, **header) -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": TOKEN_URL, "exp": now + 240, "iat": now, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, private, algorithm="ES384", headers=({"kid": kid} if kid else {}) | header)


def _ask(http, assertion: str, **form):
    return http.post("/fhir/auth/token", data={"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                                               "client_assertion": assertion, **form})


def _register(key_text: str, scopes: str = "system/*.read") -> str:
    client = clients.register("Safdarjung HIS", key_text, scopes, factories.make_staff("interop_officer"))
    db.session.commit()
    return client.client_id


@pytest.mark.parametrize("registered, requested, granted", [
    ("system/*.read", "system/Observation.read", "system/Observation.read"),
    ("system/*.read", "system/Patient.rs", "system/Patient.rs"),
    ("system/Patient.rs", "system/Patient.read", "system/Patient.read"),
    ("system/*.read", "system/Patient.r system/Patient.write", "system/Patient.r"),
    ("system/*.cruds", "system/Condition.c", "system/Condition.c"),
])
def test_scopes_are_granted_by_what_is_registered(app, http, registered, requested, granted):
    hospital = Hospital(http, scopes=registered)
    answer = hospital.ask_token(scope=requested)
    assert answer.status_code == 200 and answer.get_json()["scope"] == granted


def test_a_scope_beyond_the_registration_is_refused(app, http):
    hospital = Hospital(http, scopes="system/Patient.read")
    assert hospital.ask_token(scope="system/*.read").get_json()["error"] == "invalid_scope"
    assert hospital.ask_token(scope="system/Patient.c").get_json()["error"] == "invalid_scope"


def test_a_jwk_set_is_registered_and_either_key_signs(app, http):
    old, new = ec.generate_private_key(ec.SECP384R1()), ec.generate_private_key(ec.SECP384R1())
    client_id = _register(json.dumps({"keys": [_public(old, "2025"), _public(new, "2026")]}))
    assert _ask(http, _assertion(client_id, old, "2025")).status_code == 200
    assert _ask(http, _assertion(client_id, new, "2026")).status_code == 200
    assert _ask(http, _assertion(client_id, new, "2025")).status_code == 401  # the kid names the other key


def test_a_jwks_url_is_fetched_and_a_rotated_key_is_taken_without_anyone_registering_it(app, http, key_server):
    first, second = ec.generate_private_key(ec.SECP384R1()), ec.generate_private_key(ec.SECP384R1())
    key_server.keys = {"keys": [_public(first, "k1")]}
    client_id = _register(key_server.url)
    assert key_server.hits == 1
    assert _ask(http, _assertion(client_id, first, "k1")).status_code == 200
    assert key_server.hits == 1  # cached: a known kid is not fetched again
    key_server.keys = {"keys": [_public(second, "k2")]}
    assert _ask(http, _assertion(client_id, second, "k2", jku=key_server.url)).status_code == 200
    assert key_server.hits == 2


def test_a_jwks_url_that_serves_nothing_usable_is_refused_at_registration(app, key_server):
    key_server.keys = {"keys": []}
    with pytest.raises(Refused) as refused:
        _register(key_server.url)
    assert "at least one key" in refused.value.message


def test_a_jku_not_registered_is_refused_and_not_fetched(app, http, key_server):
    private = ec.generate_private_key(ec.SECP384R1())
    client_id = _register(json.dumps({"keys": [_public(private, "k1")]}))
    answer = _ask(http, _assertion(client_id, private, "k1", jku=key_server.url))
    assert answer.status_code == 401 and "jku" in answer.get_json()["error_description"]
    assert key_server.hits == 0


def test_the_kid_is_required(app, http):
    private = ec.generate_private_key(ec.SECP384R1())
    client_id = _register(json.dumps({"keys": [_public(private, "k1")]}))
    answer = _ask(http, _assertion(client_id, private, None))
    assert answer.status_code == 401 and "kid" in answer.get_json()["error_description"]


def test_a_client_id_naming_another_client_is_refused(app, http):
    hospital, other = Hospital(http), Hospital(http, name="Other HIS")
    answer = _ask(http, hospital.assertion(), client_id=other.client_id)
    assert answer.status_code == 401 and answer.get_json()["error"] == "invalid_client"
    assert _ask(http, hospital.assertion(), client_id=hospital.client_id).status_code == 200


def test_the_discovery_document_has_the_fields_the_specification_requires(app, http):
    found = http.get("/fhir/.well-known/smart-configuration").get_json()
    for field in ("token_endpoint", "grant_types_supported", "token_endpoint_auth_methods_supported",
                  "token_endpoint_auth_signing_alg_values_supported", "scopes_supported", "capabilities",
                  "code_challenge_methods_supported"):
        assert found[field], field
    assert found["code_challenge_methods_supported"] == ["S256"] and "plain" not in found["code_challenge_methods_supported"]
    assert "system/Patient.rs" in found["scopes_supported"]
