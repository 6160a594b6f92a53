"""QR forgeries on PostgreSQL: every altered, foreign, ended or malformed card token is refused, saying why.

Each forgery is shown where a card's QR is read: the desk's API lookup with a session, the same with a bearer
token (the card read and its audit row one statement, crm.residents.lookup.CARD_SEEN, after the signature's check),
the lookup desk's panel, a photo of the QR sent to the scan endpoint, and the field verifier's mark. The holder
must never appear; the answer must carry the reason; a field mark must not verify the card.
"""

from __future__ import annotations

import io
import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from crm.models import HealthCard
from crm.platform.extensions import db
from crm.residents.cards import operations as cards
from crm.residents.cards import token as card_token
from crm.residents.cards.keys import keyring
from crm.residents.cards.number import new_number
from crm.residents.cards.render import qr_png
from crm.residents.field import worklist
from crm.staff.auth import tokens
from tests import factories

pytestmark = pytest.mark.pg
APP_SETTINGS = {"JOBS_HOLD": True, "JOBS_EAGER": False}
HOLDER = {"name": "Qamar Jahan Probe", "mobile": "+919811155566", "ward": "Seelampur"}
# What each refusal must say (crm.residents.cards.token's messages, crm.residents.lookup's): the desk reads it aloud to the caller.
REASONS = {"bad_signature": "signature does not match", "unknown_key": "key this system does not know",
           "malformed": ("damaged or incomplete", "not a Sampark health card", "cannot read", "does not accept"),
           "card_revoked": "revoked", "not_found": "not in this system's records"}


CUT = ("malformed", "unknown_key", "bad_signature")


def _pack(hint: bytes, body: bytes, sig: bytes) -> str:
    blob = b"\x01" + hint + body + sig
    return card_token.PREFIX + str(int.from_bytes(blob, "big"))


def _signed(body: bytes, private: ed25519.Ed25519PrivateKey, kid: str) -> bytes:
    header = card_token._b64(card_token._header(kid))
    return private.sign(f"{header}.{card_token._b64(body)}".encode("ascii"))


def _jws(header: dict, body: bytes, sig: bytes = b"") -> str:
    return ".".join(card_token._b64(part) for part in (json.dumps(header).encode(), body, sig))


def forgeries(card: HealthCard, other: HealthCard) -> dict[str, tuple[str, str]]:
    """(QR text, the refusal's code) for each way of forging a card, made from the real `card`."""
    real = card.qr_token
    hint, body, sig = card_token._split_qr(real)
    ours = keyring()._keys[0]
    stranger = ed25519.Ed25519PrivateKey.generate()
    stranger_ring = card_token.KeyRing.from_private_keys([stranger])
    payload = json.loads(body)
    flipped = bytearray(body)
    flipped[len(flipped) // 2] ^= 0x01
    swapped = body.replace(card.number.encode(), other.number.encode())
    unknown_card = card_token._json(payload | {"n": new_number()})
    clinical = card_token._json(payload | {"dx": "HIV"})
    return {
        "a payload byte flipped": (_pack(hint, bytes(flipped), sig), "bad_signature"),
        "a signature byte flipped": (_pack(hint, body, sig[:-1] + bytes([sig[-1] ^ 0x01])), "bad_signature"),
        "another card's number": (_pack(hint, swapped, sig), "bad_signature"),
        "signed with another key": (card_token.sign(payload, stranger_ring), "unknown_key"),
        "another key under our key id": (_pack(hint, body, _signed(body, stranger, ours.kid)), "bad_signature"),
        "an unknown key id": (_pack(bytes(b ^ 0xFF for b in hint), body, sig), "unknown_key"),
        "a revoked card": (other.qr_token, "card_revoked"),
        # What is left of a cut token may happen to parse as a (wrong) key hint and signature.
        "truncated to half": (real[:len(real) // 2], CUT),
        "its last digit cut": (real[:-1], CUT),
        "oversized": (card_token.PREFIX + "7" * 5000, "malformed"),
        "garbage": ("hello, this is not a card", "malformed"),
        "the prefix alone": (card_token.PREFIX, "malformed"),
        "letters after the prefix": (card_token.PREFIX + "12ab34", "malformed"),
        "a leading zero": (card_token.PREFIX + "0" + real[len(card_token.PREFIX):], "malformed"),
        "Devanagari digits": (card_token.PREFIX + real[len(card_token.PREFIX):].translate(
            str.maketrans("0123456789", "०१२३४५६७८९")), "malformed"),
        "a JWS with alg none": (_jws({"alg": "none", "kid": ours.kid, "typ": card_token.TYP}, body), "malformed"),
        "a JWS of another type": (_jws({"alg": "EdDSA", "kid": ours.kid, "typ": "JWT"}, body, sig), "malformed"),
        "clinical data signed with our key": (_pack(hint, clinical, _signed(clinical, ours.private, ours.kid)),
                                              "malformed"),
        "our key, a card we never issued": (_pack(hint, unknown_card, _signed(unknown_card, ours.private, ours.kid)),
                                            "not_found"),
    }


@pytest.fixture(scope="module")
def desk(probe_app):
    """The holder's card (and a revoked one); an operator signed in and by token; a field verifier on the ward."""
    with probe_app.app_context():
        card = factories.make_card(**HOLDER)
        other = factories.make_card(name="Revoked Holder", ward="Seelampur")
        cards.revoke(other.number, "issued in error")
        db.session.commit()
        operator, staff = factories.logged_in(probe_app, "operator")
        field, verifier = factories.logged_in(probe_app, "field_verifier")
        worklist.assign("Seelampur", verifier.id, factories.make_staff("registrar"))
        db.session.commit()
        mine = {"qr": card.qr_token, "number": card.number, "id": card.id}
        yield {"app": probe_app, "card": mine, "operator": operator, "field": field, "forged": forgeries(card, other),
               "bearer": {"Authorization": f"Bearer {tokens.issue(staff, 'probe')}"}}


FORGERIES = ["a payload byte flipped", "a signature byte flipped", "another card's number", "signed with another key",
             "another key under our key id", "an unknown key id", "a revoked card", "truncated to half",
             "its last digit cut", "oversized", "garbage", "the prefix alone", "letters after the prefix",
             "a leading zero", "Devanagari digits", "a JWS with alg none", "a JWS of another type",
             "clinical data signed with our key", "our key, a card we never issued"]


def _holder_shown(response) -> bool:
    text = response.get_data(as_text=True)
    return HOLDER["name"] in text or HOLDER["mobile"][3:] in text


def _codes(code: str | tuple[str, ...]) -> tuple[str, ...]:
    return (code,) if isinstance(code, str) else code


def _says_why(message: str, code: str | tuple[str, ...]) -> bool:
    """Whether `message` gives the reason of `code` (or of one of several codes)."""
    reasons = [REASONS[one] for one in _codes(code)]
    return any(part in message for reason in reasons for part in ((reason,) if isinstance(reason, str) else reason))


def test_the_forgeries_are_all_probed(desk):
    assert sorted(desk["forged"]) == sorted(FORGERIES) and len(FORGERIES) >= 18


def test_the_real_card_is_found_everywhere(desk):
    """The control: the same requests with the card's own QR find the holder."""
    qr = desk["card"]["qr"]
    with desk["app"].app_context():
        assert _holder_shown(desk["operator"].post("/api/v1/lookup", json={"qr": qr}))
        assert _holder_shown(desk["app"].test_client().post("/api/v1/lookup", json={"qr": qr}, headers=desk["bearer"]))
        assert _holder_shown(desk["operator"].post("/lookup/panel", data={"qr": qr}))
        photo = {"photo": (io.BytesIO(qr_png(qr)), "card.png")}
        assert _holder_shown(desk["operator"].post("/api/v1/scan", data=photo, content_type="multipart/form-data"))


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("reader", ["session", "bearer token"])
def test_the_api_lookup_refuses_a_forged_qr_saying_why(desk, forgery, reader):
    qr, code = desk["forged"][forgery]
    client, headers = ((desk["operator"], {}) if reader == "session"
                       else (desk["app"].test_client(), desk["bearer"]))
    with desk["app"].app_context():
        response = client.post("/api/v1/lookup", json={"qr": qr}, headers=headers)
    assert response.status_code in (404, 409, 422) and not _holder_shown(response), response.data[:300]
    assert response.json["error"] in _codes(code) and _says_why(response.json["message"], code), response.json


@pytest.mark.parametrize("reader", ["session", "bearer token"])
def test_a_superseded_card_is_found_only_as_an_old_card_naming_the_current_one(desk, reader):
    with desk["app"].app_context():
        old = factories.make_card(name="Superseded Holder")
        current = cards.reissue(old.number, "duplicate")
        db.session.commit()
        old_qr, old_number, current_number = old.qr_token, old.number, current.number
        client, headers = ((desk["operator"], {}) if reader == "session"
                           else (desk["app"].test_client(), desk["bearer"]))
        found = client.post("/api/v1/lookup", json={"qr": old_qr}, headers=headers).json["card"]
    assert (found["state"], found["number"], found["current_number"]) == ("old_card", old_number, current_number)


@pytest.mark.parametrize("forgery", FORGERIES)
def test_the_lookup_desk_refuses_a_forged_qr_saying_why(desk, forgery):
    qr, code = desk["forged"][forgery]
    with desk["app"].app_context():
        response = desk["operator"].post("/lookup/panel", data={"qr": qr})
    page = response.get_data(as_text=True)
    assert response.status_code in (404, 409, 422) and not _holder_shown(response)
    assert _says_why(page.replace("&#39;", "'"), code), page[-600:]


@pytest.mark.parametrize("forgery", ["a payload byte flipped", "signed with another key", "an unknown key id",
                                     "a revoked card", "our key, a card we never issued", "garbage"])
def test_a_photo_of_a_forged_qr_is_refused_saying_why(desk, forgery):
    qr, code = desk["forged"][forgery]
    photo = {"photo": (io.BytesIO(qr_png(qr)), "card.png")}
    with desk["app"].app_context():
        response = desk["operator"].post("/api/v1/scan", data=photo, content_type="multipart/form-data")
    assert response.status_code in (404, 409, 422) and not _holder_shown(response)
    assert response.json["error"] in _codes(code) and _says_why(response.json["message"], code)


@pytest.mark.parametrize("forgery", FORGERIES)
def test_the_field_verifier_cannot_verify_a_card_with_a_forged_qr(desk, forgery):
    qr, _code = desk["forged"][forgery]
    card = desk["card"]
    mark = {"client_id": str(uuid.uuid4()), "card_number": card["number"], "outcome": "verified", "qr": qr,
            "latitude": 28.6862, "longitude": 77.2636, "accuracy": 12, "note": "probe"}
    with desk["app"].app_context():
        response = desk["field"].post("/api/v1/field/marks", json=mark)
        assert response.status_code in (200, 201, 409, 422), response.data[:300]
        assert response.json.get("result") != "applied", response.json
        assert "QR" in (response.json.get("conflict") or response.json.get("message") or ""), response.json
        assert db.session.get(HealthCard, card["id"]).verified_at is None
