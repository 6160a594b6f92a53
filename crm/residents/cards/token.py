"""The signed QR payload of a health card (the SMART Health Cards model, in a compact form).

What is signed is an ordinary compact JWS: header {"alg":"EdDSA","kid":...,"typ":"sampark-card"},
a payload with short keys, and an Ed25519 signature over "b64url(header).b64url(payload)".
Keys are published at /.well-known/jwks.json with RFC 7638 thumbprints as kids, so they can
rotate and any reader can verify offline.

What is printed is not that JWS text, because it does not fit: header (88 bytes, most of it the
43-character kid), payload (~120) and signature (64) come to ~360 base64url characters, which
QR byte mode holds only from version 14 up at ECC M, too fine to scan well from a 30 mm square
on a CR80 card. So the QR text is "SMP1:" followed by one decimal number spelling the bytes
  kid[:4] || payload JSON || signature
(the header is implied by the format version, and four bytes of the thumbprint are enough to
pick the key; the full kid is still inside the signed header). A run of digits is QR numeric
mode at 3.33 bits per digit, against 8 bits per character in byte mode, which is how SMART
Health Cards squeeze their JWS too; a realistic card then fits version 10 at ECC M. Digits
also survive USB scanners that type into a field, and the uppercase prefix is alphanumeric-mode
friendly. `to_jws` turns the QR text back into the standard compact JWS for any JOSE library.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from crm.residents.cards import number as card_number

PREFIX = "SMP1:"
TYP = "sampark-card"
FIELDS = ("n", "v", "d", "nm", "y", "s", "h")  # never clinical data: sign refuses anything else
_HINT = 4  # bytes of the kid thumbprint carried in the QR
_SIG = 64
_MAX_TEXT = 1000  # far above any real card; keeps int() and json.loads() cheap on garbage
_PEM_BLOCK = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----.+?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL)
_B64URL = re.compile(r"[A-Za-z0-9_-]*")

NOT_OURS = "This QR code is not a Sampark health card."
DAMAGED = "This card's QR code is damaged or incomplete. Scan it again, or type the card number."
BAD_SIGNATURE = "The card's signature does not match: it may have been altered or forged."
UNKNOWN_KEY = "The card was signed with a key this system does not know."


class CardTokenError(ValueError):
    """A QR token that cannot be trusted, with a code for programs and a message for the desk."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    # Strict: Python's decoder silently skips foreign characters, which would let junk ride along.
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def _json(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def thumbprint(public_key: ed25519.Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint: base64url SHA-256 of the canonical {"crv","kty","x"} JSON."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64(_raw(public_key))},
                           separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode("ascii")).digest())


def _raw(public_key: ed25519.Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _header(kid: str) -> bytes:
    return _json({"alg": "EdDSA", "kid": kid, "typ": TYP})


@dataclass(frozen=True)
class _Key:
    kid: str
    public: ed25519.Ed25519PublicKey
    private: ed25519.Ed25519PrivateKey | None


class KeyRing:
    """Card signing keys: the first signs, the rest are retired keys still trusted to verify."""

    def __init__(self, keys: list[_Key]) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        self._keys = keys

    @classmethod
    def from_private_keys(cls, keys: list[ed25519.Ed25519PrivateKey]) -> KeyRing:
        """Build a signing ring from private keys, the current one first."""
        return cls([_Key(thumbprint(k.public_key()), k.public_key(), k) for k in keys])

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> KeyRing:
        """Read every PEM private key in the CARD_SIGNING_KEY_FILE, in order."""
        keys = []
        for block in _PEM_BLOCK.findall(Path(path).read_bytes()):
            key = serialization.load_pem_private_key(block, password=None)
            if not isinstance(key, ed25519.Ed25519PrivateKey):
                raise TypeError(f"{path}: card signing keys must be Ed25519")
            keys.append(key)
        if not keys:
            raise ValueError(f"{path}: no PEM private key found")
        return cls.from_private_keys(keys)

    @classmethod
    def generate(cls, path: str | os.PathLike[str]) -> KeyRing:
        """Create a new key file (mode 0600) holding one fresh key; refuse to overwrite one."""
        ring = cls.from_private_keys([ed25519.Ed25519PrivateKey.generate()])
        # O_EXCL: silently replacing a key file would make every printed card unverifiable.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(ring._pem())
        return ring

    @classmethod
    def rotate(cls, path: str | os.PathLike[str]) -> KeyRing:
        """Put a new signing key first in the file, keeping the old ones for verification."""
        old = cls.load(path)
        ring = cls.from_private_keys(
            [ed25519.Ed25519PrivateKey.generate()] + [k.private for k in old._keys if k.private]
        )
        # Write beside, then rename: a crash mid-write must not leave a half key file.
        tmp = Path(f"{path}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(ring._pem())
        os.replace(tmp, path)
        return ring

    @classmethod
    def from_public_jwks(cls, jwks_doc: dict[str, Any]) -> KeyRing:
        """A verify-only ring from a published JWKS, for offline readers."""
        keys = []
        for jwk in jwks_doc.get("keys", []):
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                continue  # other key types may be published for other purposes
            public = ed25519.Ed25519PublicKey.from_public_bytes(_unb64(jwk.get("x", "")))
            kid = thumbprint(public)
            if jwk.get("kid", kid) != kid:
                raise ValueError(f"JWKS key id {jwk['kid']!r} is not the key's thumbprint")
            keys.append(_Key(kid, public, None))
        return cls(keys)

    @property
    def kids(self) -> list[str]:
        """Key ids, the signing key first."""
        return [k.kid for k in self._keys]

    @property
    def can_sign(self) -> bool:
        """Whether this ring holds the current private key (a JWKS-only ring does not)."""
        return self._keys[0].private is not None

    def _pem(self) -> bytes:
        return b"".join(
            k.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            for k in self._keys if k.private
        )

    def _matching(self, kid_prefix: bytes) -> list[_Key]:
        return [k for k in self._keys if _unb64(k.kid).startswith(kid_prefix)]


def _check_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Normalise a payload to the card fields, raising ValueError/TypeError on anything off."""
    if not isinstance(payload, dict):
        raise TypeError("a card payload is a JSON object")
    extra = set(payload) - set(FIELDS)
    if extra:
        raise ValueError(f"card tokens carry only {FIELDS}; refusing {sorted(extra)}")
    missing = [k for k in FIELDS if k not in payload]
    if missing:
        raise ValueError(f"card token is missing {missing}")
    p = dict(payload)
    if isinstance(p["d"], dt.date):
        p["d"] = p["d"].isoformat()
    if not isinstance(p["n"], str) or not card_number.is_valid(p["n"]):
        raise ValueError("n must be a valid 12-digit card number")
    if type(p["v"]) is not int or p["v"] < 1:
        raise ValueError("v must be a card version >= 1")
    if not isinstance(p["d"], str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", p["d"]):
        raise ValueError("d must be an issue date YYYY-MM-DD")
    dt.date.fromisoformat(p["d"])
    if not isinstance(p["nm"], str) or not p["nm"].strip():
        raise ValueError("nm must be the holder's name")
    if p["y"] is not None and type(p["y"]) is not int:
        raise ValueError("y must be a year of birth or None")
    if p["s"] not in ("M", "F", "O"):
        raise ValueError('s must be "M", "F" or "O"')
    if p["h"] is not None and not isinstance(p["h"], str):
        raise TypeError("h must be the household id as text, or None")
    return {k: p[k] for k in FIELDS}


def sign(payload: dict[str, Any], ring: KeyRing) -> str:
    """Sign a card payload with the ring's current key and return the text to put in the QR."""
    key = ring._keys[0]
    if key.private is None:
        raise ValueError("this key ring can only verify cards")
    body = _json(_check_payload(payload))
    sig = key.private.sign(f"{_b64(_header(key.kid))}.{_b64(body)}".encode("ascii"))
    blob = b"\x01" + _unb64(key.kid)[:_HINT] + body + sig  # leading 1 keeps leading zero bytes
    return PREFIX + str(int.from_bytes(blob, "big"))


def _split_qr(text: str) -> tuple[bytes, bytes, bytes]:
    digits = text[len(PREFIX):]
    if not digits.isascii() or not digits.isdigit() or digits.startswith("0"):
        raise CardTokenError("malformed", DAMAGED)
    n = int(digits)
    blob = n.to_bytes((n.bit_length() + 7) // 8, "big")
    if blob[:1] != b"\x01" or len(blob) < 1 + _HINT + 2 + _SIG:
        raise CardTokenError("malformed", DAMAGED)
    return blob[1:1 + _HINT], blob[1 + _HINT:-_SIG], blob[-_SIG:]


def _split_jws(text: str) -> tuple[str, bytes, bytes]:
    try:
        h64, p64, s64 = text.split(".")
        header = json.loads(_unb64(h64))
        body, sig = _unb64(p64), _unb64(s64)
    except (ValueError, RecursionError):
        raise CardTokenError("malformed", NOT_OURS) from None
    if not isinstance(header, dict) or header.get("typ") != TYP:
        raise CardTokenError("malformed", NOT_OURS)
    if header.get("alg") != "EdDSA":
        raise CardTokenError("malformed", "This card is signed in a way this system does not accept.")
    if not isinstance(header.get("kid"), str) or h64 != _b64(_header(header["kid"])):
        raise CardTokenError("malformed", DAMAGED)
    return header["kid"], body, sig


def _open(text: str, ring: KeyRing) -> tuple[_Key, bytes, bytes]:
    """Find the key and check the signature; returns (key, payload bytes, signature)."""
    text = text.strip()
    if len(text) > _MAX_TEXT:
        raise CardTokenError("malformed", NOT_OURS)
    if text.upper().startswith(PREFIX):
        hint, body, sig = _split_qr(text)
        candidates = ring._matching(hint)
    else:
        kid, body, sig = _split_jws(text)
        candidates = [k for k in ring._keys if k.kid == kid]
    if not candidates:
        raise CardTokenError("unknown_key", UNKNOWN_KEY)
    if len(sig) != _SIG:
        raise CardTokenError("malformed", DAMAGED)
    for key in candidates:  # several only if two kids share their first 4 bytes
        signing_input = f"{_b64(_header(key.kid))}.{_b64(body)}".encode("ascii")
        try:
            key.public.verify(sig, signing_input)
            return key, body, sig
        except InvalidSignature:
            continue
    raise CardTokenError("bad_signature", BAD_SIGNATURE)


def verify(text: str, ring: KeyRing) -> dict[str, Any]:
    """Check a scanned card token and return its payload plus the "kid" that signed it."""
    key, body, _ = _open(text, ring)
    try:
        payload = _check_payload(json.loads(body))
    except (ValueError, TypeError, RecursionError):
        # Validly signed but not a card we understand: a format mismatch, not a forgery.
        raise CardTokenError("malformed", "This card's data is in a format this system cannot read.") from None
    return {**payload, "kid": key.kid}


def to_jws(text: str, ring: KeyRing) -> str:
    """Expand QR text to the standard compact JWS (header.payload.signature) it stands for."""
    key, body, sig = _open(text, ring)
    return f"{_b64(_header(key.kid))}.{_b64(body)}.{_b64(sig)}"


def jwks(ring: KeyRing) -> dict[str, list[dict[str, str]]]:
    """The public keys, current and retired, as served at /.well-known/jwks.json."""
    return {"keys": [
        {"kty": "OKP", "crv": "Ed25519", "x": _b64(_raw(k.public)), "kid": k.kid,
         "use": "sig", "alg": "EdDSA"}
        for k in ring._keys
    ]}
