"""The signed status list of cards that no longer identify anyone (docs/health-card-qr.md, section 5).

Published at /.well-known/card-status.jws for offline verifiers; the desks apply the same rule, `state`, to the
card record at the moment of a scan. A card is listed by a rid (a hash of its number and version), not by number.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time

from sqlalchemy import select

from crm.models import HealthCard
from crm.platform.extensions import db
from crm.residents.cards.token import KeyRing

TYP = "sampark-card-status"
MAX_AGE = 300
LISTED = ("revoked", "superseded")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rid(number: str, version: int) -> str:
    """The id a card has in the list: base64url(SHA-256("<number>.<version>"))[:16]."""
    return _b64(hashlib.sha256(f"{number}.{version}".encode("ascii")).digest())[:16]


def state(card: HealthCard) -> str | None:
    """'revoked' or 'superseded' for a card that no longer identifies its holder; None for a good one."""
    return card.status if card.status in LISTED else None


def signed(ring: KeyRing, issuer: str) -> str:
    """The list as a compact JWS signed with the card signing key."""
    cards = db.session.execute(select(HealthCard.number, HealthCard.version, HealthCard.status)
                               .where(HealthCard.status.in_(LISTED)))
    payload = {"iss": issuer, "iat": int(time.time()), "max_age": MAX_AGE,
               "cards": {rid(n, v): s for n, v, s in cards}}
    key = ring._keys[0]
    if key.private is None:
        raise ValueError("this key ring can only verify")
    header = json.dumps({"alg": "EdDSA", "kid": key.kid, "typ": TYP}, separators=(",", ":")).encode()
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    signing_input = f"{_b64(header)}.{_b64(body)}"
    return f"{signing_input}.{_b64(key.private.sign(signing_input.encode('ascii')))}"
