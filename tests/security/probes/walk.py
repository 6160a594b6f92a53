"""What the walking probes share: the public routes and why, every route of the URL map, a rule filled in."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Routes anyone may call, and why that exposes no patient.
PUBLIC = {
    "/login": "the staff sign-in form",
    "/healthz": "the balancer asks whether the process is alive: no data",
    "/readyz": "the balancer asks whether PostgreSQL, Redis, the jobs and the sweeps answer: names only, no data",
    "/metrics": "Prometheus scrapes it with METRICS_TOKEN as a bearer token (off without one): figures, no names",
    "/.well-known/jwks.json": "the public keys a verifier checks card QR codes with",
    "/.well-known/card-status.jws": "the signed list of revoked and superseded cards, for offline verifiers",
    "/api/v1/openapi.json": "the API's description",
    "/portal/sign-in": "the citizen's way in: a code is texted to a registered mobile",
    "/portal/code": "the citizen's way in: the texted code",
    "/portal/sign-out": "ends a citizen session",
    "/portal/lang/<lang>": "the portal's language switch",
    "/facilities": "the facility finder: public information",
    "/favicon.ico": "the site's icon (static/favicon.svg)",
    "/field/sw.js": "the field page's service worker code (its data needs a login)",
    "/fhir/metadata": "FHIR discovery: the server's capabilities",
    "/fhir/.well-known/smart-configuration": "SMART discovery",
    "/fhir/auth/token": "a hospital system trades its signed assertion for a token here",
    # A hospital system's own bearer token decides (crm.hospitals.fhir.clients); no staff session or anonymous call is one.
    "/fhir": "hospital systems only (their bearer token)",
    "/fhir/<resource_type>": "hospital systems only (their bearer token)",
    "/fhir/<resource_type>/<rid>": "hospital systems only (their bearer token)",
    "/fhir/Patient/<rid>/$everything": "hospital systems only (their bearer token)",
    "/fhir/Bundle": "hospital systems only (their bearer token): document Bundles",
    "/fhir/<resource_type>/_search": "hospital systems only (their bearer token): search by POST",
    "/fhir/<resource_type>/<rid>/_history/<vid>": "hospital systems only (their bearer token)",
    "/fhir/": "answers every request with a 404/405 OperationOutcome, reading nothing",
    "/fhir/<path:rest>": "answers every request with a 404/405 OperationOutcome, reading nothing",
}
PUBLIC_PREFIXES = {"/telephony/": "Twilio's signature decides (test_forged_webhooks.py)"}
VARIABLE = re.compile(r"[<{](?:\w+:)?(\w+)[>}]")


def routes(app) -> Iterator[tuple[str, str, object]]:
    """(rule, method, view) for every route of the URL map but static files."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method, app.view_functions[rule.endpoint]


def fill(rule: str, values: dict) -> str:
    """A URL rule (or an OpenAPI path) with each variable from `values` (1 for an id it does not name)."""
    return VARIABLE.sub(lambda match: str(values.get(match.group(1), 1)), rule)


def variables(rule: str) -> list[str]:
    """The names of a rule's variables."""
    return VARIABLE.findall(rule)
