"""A hospital client's public keys, as SMART Backend Services asks: a JWK, a JWK Set, or the URL of its JWK Set.

A JWKS URL is fetched at registration (so a wrong one is said at once) and when an assertion names a kid the
cached set does not hold (the hospital rotated its key), at most once a minute per client; the set is kept on
the client row, so every process shares what one fetched. The URL must be https (plain http only where the
settings allow it, as tests on a local server do). An assertion's `jku` header must be that registered URL:
any other is refused, never fetched.
"""

from __future__ import annotations

import json
import time
import urllib.request
from urllib.parse import urlparse

import jwt
from flask import current_app

from crm.platform.errors import Refused

FETCH_TIMEOUT = 5
MAX_BYTES = 64 * 1024
REFETCH_SECONDS = 60
MAX_KEYS = 10
_last_fetch: dict[int, float] = {}  # client row id -> when this process last fetched its set


class KeyProblem(ValueError):
    """A key set that cannot be used, with the reason for the officer or the hospital."""


def is_url(text: str) -> bool:
    """Whether what the officer pasted is a JWKS URL rather than a key."""
    return (text or "").strip().lower().startswith(("https://", "http://"))


def check_url(url: str) -> str:
    """The URL as registered; Refused 422 unless https (or http where the settings allow it)."""
    url = url.strip()
    parsed = urlparse(url)
    allowed = ("https", "http") if current_app.config.get("FHIR_JWKS_ALLOW_HTTP") else ("https",)
    if parsed.scheme not in allowed or not parsed.netloc or len(url) > 500:
        raise Refused("bad_key", "A JWKS URL is an https:// address of at most 500 characters.", 422)
    return url


def fetch(url: str) -> dict:
    """The JWK Set published at `url` ({"keys": [...]}, public keys only); KeyProblem if it cannot be had or used."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}),
                                    timeout=FETCH_TIMEOUT) as answer:
            body = answer.read(MAX_BYTES + 1)
    except OSError as exc:
        raise KeyProblem(f"The JWKS URL could not be read ({exc.__class__.__name__}).") from None
    if len(body) > MAX_BYTES:
        raise KeyProblem("The JWK Set is larger than 64 KB.")
    try:
        found = json.loads(body)
    except ValueError:
        raise KeyProblem("The JWKS URL did not answer JSON.") from None
    return usable_set(found)


def usable_set(found) -> dict:
    """A JWK Set of public keys, each usable; KeyProblem otherwise."""
    if not isinstance(found, dict) or not isinstance(found.get("keys"), list) or not found["keys"]:
        raise KeyProblem('A JWK Set is {"keys": [...]} with at least one key.')
    keys = []
    for jwk in found["keys"][:MAX_KEYS]:
        if not isinstance(jwk, dict) or "d" in jwk:
            raise KeyProblem("A JWK Set here holds public keys only.")
        try:
            jwt.PyJWK(jwk)
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            continue  # a key of a kind this server does not use (e.g. an encryption key) is passed over
        keys.append(jwk)
    if not keys:
        raise KeyProblem("None of the keys in the set can verify RS384 or ES384 signatures.")
    return {"keys": keys}


def pick(client, header: dict) -> dict:
    """The registered key an assertion's header names (kid required, jku only the registered URL); KeyProblem."""
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise KeyProblem("The assertion's header must name its key (kid).")
    if "jku" in header and header["jku"] != client.jwks_url:
        raise KeyProblem("The assertion's jku is not the JWKS URL registered for this client; it is not fetched.")
    keys = _keys(client)
    found = _by_kid(keys, kid)
    if found is None and client.jwks_url and time.monotonic() - _last_fetch.get(client.id, -1e9) > REFETCH_SECONDS:
        _last_fetch[client.id] = time.monotonic()
        client.jwk = fetch(client.jwks_url)  # the hospital rotated its key: take its new set
        found = _by_kid(_keys(client), kid)
    if found is None:
        raise KeyProblem(f"No registered key has kid {kid[:60]!r}.")
    return found


def _keys(client) -> list[dict]:
    jwk = client.jwk or {}
    return list(jwk.get("keys") or []) if "keys" in jwk else ([jwk] if jwk else [])


def _by_kid(keys: list[dict], kid: str) -> dict | None:
    for jwk in keys:
        if jwk.get("kid") == kid:
            return jwk
    unnamed = [k for k in keys if not k.get("kid")]
    return unnamed[0] if len(keys) == 1 and unnamed else None  # one key registered without a kid answers to any
