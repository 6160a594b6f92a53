"""Signed card tokens: roundtrip, tampering, key rotation, offline verification, QR size."""

import base64
import json
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.residents.cards import token
from crm.residents.cards.number import new_number
from crm.residents.cards.render import qr_code
from crm.residents.cards.token import CardTokenError, KeyRing, jwks, sign, to_jws, verify


@pytest.fixture(scope="module")
def ring(tmp_path_factory):
    return KeyRing.generate(tmp_path_factory.mktemp("keys") / "card.pem")


def payload(**over):
    p = {"n": "123456789010", "v": 1, "d": "2025-03-14", "nm": "Sunita Devi",
         "y": 1981, "s": "F", "h": "HH-2025-0012345"}
    return {**p, **over}


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def test_roundtrip_returns_payload_and_kid(ring):
    text = sign(payload(), ring)
    assert text.startswith("SMP1:")
    assert verify(text, ring) == {**payload(), "kid": ring.kids[0]}


def test_year_of_birth_and_household_may_be_unknown(ring):
    claims = verify(sign(payload(y=None, h=None), ring), ring)
    assert claims["y"] is None and claims["h"] is None


@pytest.mark.parametrize("key", ["dx", "allergies", "hiv", "phone"])
def test_sign_refuses_anything_but_card_fields(ring, key):
    with pytest.raises(ValueError, match="only"):
        sign(payload(**{key: "x"}), ring)


def test_sign_refuses_an_invalid_card_number(ring):
    with pytest.raises(ValueError):
        sign(payload(n="123456789012"), ring)


def test_qr_text_expands_to_a_standard_compact_jws(ring):
    jws = to_jws(sign(payload(), ring), ring)
    h64, p64, s64 = jws.split(".")
    assert json.loads(unb64(h64)) == {"alg": "EdDSA", "kid": ring.kids[0], "typ": "sampark-card"}
    assert json.loads(unb64(p64)) == payload()
    # Any JOSE reader holding only the JWKS can check it: plain Ed25519 over "header.payload".
    x = jwks(ring)["keys"][0]["x"]
    Ed25519PublicKey.from_public_bytes(unb64(x)).verify(unb64(s64), f"{h64}.{p64}".encode())
    assert verify(jws, ring)["n"] == "123456789010"


def _blob_parts(text):
    n = int(text[len("SMP1:"):])
    blob = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return blob[:5], bytearray(blob[5:])


def _text(head, rest):
    return "SMP1:" + str(int.from_bytes(head + bytes(rest), "big"))


def test_tampering_any_payload_or_signature_byte_is_caught(ring):
    head, rest = _blob_parts(sign(payload(), ring))
    for i in range(len(rest)):
        for flip in (0x01, 0x80):
            forged = bytearray(rest)
            forged[i] ^= flip
            with pytest.raises(CardTokenError) as err:
                verify(_text(head, forged), ring)
            assert err.value.code in ("bad_signature", "malformed")


def test_a_forged_name_reports_bad_signature(ring):
    text = sign(payload(), ring)
    head, rest = _blob_parts(text)
    forged = bytes(rest).replace(b"Sunita", b"Sunila")
    with pytest.raises(CardTokenError) as err:
        verify(_text(head, forged), ring)
    assert err.value.code == "bad_signature"
    assert err.value.message == (
        "The card's signature does not match: it may have been altered or forged."
    )


def test_changing_any_character_of_the_qr_text_is_never_accepted(ring):
    text = sign(payload(), ring)
    for i in range(len("SMP1:"), len(text)):
        for d in "0123456789":
            if d != text[i]:
                with pytest.raises(CardTokenError):
                    verify(text[:i] + d + text[i + 1:], ring)


def test_tampering_the_expanded_jws_is_caught(ring):
    jws = to_jws(sign(payload(), ring), ring)
    for i, ch in enumerate(jws):
        if ch == ".":
            continue
        with pytest.raises(CardTokenError) as err:
            verify(jws[:i] + ("A" if ch != "A" else "B") + jws[i + 1:], ring)
        assert err.value.code in ("bad_signature", "malformed", "unknown_key")


def test_token_from_another_key_is_unknown(ring, tmp_path):
    stranger = KeyRing.generate(tmp_path / "other.pem")
    with pytest.raises(CardTokenError) as err:
        verify(sign(payload(), stranger), ring)
    assert err.value.code == "unknown_key"
    assert err.value.message == "The card was signed with a key this system does not know."


def test_key_file_is_private_and_never_overwritten(tmp_path):
    path = tmp_path / "card.pem"
    KeyRing.generate(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(FileExistsError):
        KeyRing.generate(path)


def test_retired_key_still_verifies_after_rotation(tmp_path):
    path = tmp_path / "card.pem"
    old = KeyRing.generate(path)
    old_card = sign(payload(), old)
    rotated = KeyRing.rotate(path)
    assert rotated.kids[1:] == old.kids and rotated.kids[0] != old.kids[0]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    reloaded = KeyRing.load(path)
    assert reloaded.kids == rotated.kids
    assert verify(old_card, reloaded)["kid"] == old.kids[0]
    assert verify(sign(payload(), reloaded), reloaded)["kid"] == rotated.kids[0]


def test_verify_only_ring_from_published_jwks(tmp_path):
    path = tmp_path / "card.pem"
    KeyRing.generate(path)
    old_card = sign(payload(), KeyRing.load(path))
    ring = KeyRing.rotate(path)
    doc = json.loads(json.dumps(jwks(ring)))  # as fetched from /.well-known/jwks.json
    assert [k["kid"] for k in doc["keys"]] == ring.kids
    assert all(set(k) == {"kty", "crv", "x", "kid", "use", "alg"} for k in doc["keys"])
    reader = KeyRing.from_public_jwks(doc)
    assert not reader.can_sign
    assert verify(sign(payload(v=2), ring), reader)["v"] == 2
    assert verify(old_card, reader)["v"] == 1
    with pytest.raises(ValueError):
        sign(payload(), reader)


def test_kid_is_the_rfc7638_thumbprint():
    # RFC 8037 appendix A.3 gives this Ed25519 key's thumbprint.
    doc = {"keys": [{"kty": "OKP", "crv": "Ed25519",
                     "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}
    assert KeyRing.from_public_jwks(doc).kids == ["kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"]


@pytest.mark.parametrize("text", ["", "hello", "https://example.org/pay?x=1", "SMP1:", "SMP1:0",
                                  "SMP1:12ab", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"])
def test_foreign_or_broken_codes_are_malformed(ring, text):
    with pytest.raises(CardTokenError) as err:
        verify(text, ring)
    assert err.value.code == "malformed"


def test_a_non_card_qr_says_so(ring):
    with pytest.raises(CardTokenError) as err:
        verify("upi://pay?pa=shop@bank", ring)
    assert err.value.message == "This QR code is not a Sampark health card."


@settings(max_examples=300)
@given(st.one_of(
    st.text(),
    st.text("0123456789", min_size=1).map(lambda s: "SMP1:" + s),
    st.lists(st.text("ABCabc0189-_=+/", max_size=60), min_size=1, max_size=5).map(".".join),
    st.binary(max_size=200).map(lambda b: "SMP1:" + str(int.from_bytes(b"\x01" + b, "big"))),
))
def test_garbage_only_ever_raises_card_token_error(ring, text):
    try:
        verify(text, ring)
    except CardTokenError:
        pass


def test_realistic_card_fits_qr_version_10_at_ecc_m(ring):
    name = "Aishwarya Venkataraman Subraman"  # 31 characters
    text = sign(payload(n=new_number(), v=3, nm=name, y=1987, h="HH-2025-0012345"), ring)
    qr = qr_code(text)
    assert qr.version <= 10
    assert qr.error in ("M", "Q", "H")


def test_token_module_knows_no_clinical_fields():
    assert set(token.FIELDS) == {"n", "v", "d", "nm", "y", "s", "h"}
