"""A card verified from docs/health-card-qr.md alone: the verifier below is written from that page, imports nothing of
Sampark's card code (only cryptography, hashlib, base64, json), and reads the keys and the status list over HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from crm.platform.extensions import db
from crm.residents.cards import operations as cards
from tests import factories

VERHOEFF_D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
              [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
              [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
              [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
VERHOEFF_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
              [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
              [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verhoeff_ok(digits: str) -> bool:
    check = 0
    for i, d in enumerate(reversed(digits)):
        check = VERHOEFF_D[check][VERHOEFF_P[i % 8][int(d)]]
    return check == 0


def spec_verify(qr: str, jwks: dict) -> dict:
    """Section 1-4 of the specification: the payload of a genuine card, or ValueError."""
    if len(qr) > 1000 or not qr.upper().startswith("SMP1:"):
        raise ValueError("not a card")
    digits = qr[5:]
    if not digits.isdigit() or digits.startswith("0"):
        raise ValueError("damaged")
    n = int(digits)
    blob = n.to_bytes((n.bit_length() + 7) // 8, "big")
    if blob[0] != 1 or len(blob) < 1 + 4 + 2 + 64:
        raise ValueError("damaged")
    hint, payload, signature = blob[1:5], blob[5:-64], blob[-64:]
    for jwk in jwks["keys"]:
        kid = b64(hashlib.sha256(('{"crv":"Ed25519","kty":"OKP","x":"' + jwk["x"] + '"}').encode()).digest())
        if kid != jwk["kid"] or not unb64(kid).startswith(hint):
            continue
        header = ('{"alg":"EdDSA","kid":"' + kid + '","typ":"sampark-card"}').encode()
        try:
            Ed25519PublicKey.from_public_bytes(unb64(jwk["x"])).verify(signature, f"{b64(header)}.{b64(payload)}".encode())
        except InvalidSignature:
            continue
        card = json.loads(payload)
        assert set(card) == {"n", "v", "d", "nm", "y", "s", "h"} and verhoeff_ok(card["n"])
        return card
    raise ValueError("no key verifies this card")


def spec_status(jws: str, jwks: dict) -> dict:
    """Section 5: the status list's payload once its signature and age are checked."""
    h64, p64, s64 = jws.split(".")
    header = json.loads(unb64(h64))
    assert header["typ"] == "sampark-card-status" and header["alg"] == "EdDSA"
    jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    Ed25519PublicKey.from_public_bytes(unb64(jwk["x"])).verify(unb64(s64), f"{h64}.{p64}".encode())
    payload = json.loads(unb64(p64))
    assert payload["iat"] + payload["max_age"] >= time.time()
    return payload


def spec_rid(card: dict) -> str:
    return b64(hashlib.sha256(f"{card['n']}.{card['v']}".encode()).digest())[:16]


@pytest.fixture
def issued(app):
    return factories.make_card(name="Sunita Sharma")


def test_a_card_verifies_from_the_specification_alone(app, client, issued):
    jwks = client.get("/.well-known/jwks.json").get_json()
    card = spec_verify(issued.qr_token, jwks)
    assert card["n"] == issued.number and card["nm"] == "Sunita Sharma"


def test_an_altered_card_fails_the_specifications_check(app, client, issued):
    jwks = client.get("/.well-known/jwks.json").get_json()
    n = int(issued.qr_token[5:])
    with pytest.raises(ValueError):
        spec_verify(f"SMP1:{n ^ (1 << 600)}", jwks)


def test_a_revoked_and_a_superseded_card_are_in_the_signed_status_list(app, client, issued):
    other = factories.make_card(name="Meena Kumari")
    jwks = client.get("/.well-known/jwks.json").get_json()
    revoked, old = spec_verify(issued.qr_token, jwks), spec_verify(other.qr_token, jwks)
    cards.revoke(issued.number, "holder deceased")
    cards.reissue(other.number, "duplicate")
    db.session.commit()
    answer = client.get("/.well-known/card-status.jws")
    assert answer.status_code == 200 and "max-age=300" in answer.headers["Cache-Control"]
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    listed = spec_status(answer.get_data(as_text=True), jwks)["cards"]
    assert listed[spec_rid(revoked)] == "revoked" and listed[spec_rid(old)] == "superseded"
    assert issued.number not in answer.get_data(as_text=True)  # listed by rid, never by number


def test_a_forged_status_list_fails_its_signature(app, client):
    jwks = client.get("/.well-known/jwks.json").get_json()
    h64, p64, s64 = client.get("/.well-known/card-status.jws").get_data(as_text=True).split(".")
    forged = b64(json.dumps({**json.loads(unb64(p64)), "cards": {}}).encode())
    with pytest.raises(InvalidSignature):
        spec_status(f"{h64}.{forged}.{s64}", jwks)
