"""The FHIR API under /fhir: metadata, the token endpoint, read, search, $everything and transactions.

Views authenticate the hospital client, check its scope, call a service and answer FHIR JSON; every
refusal is an OperationOutcome with its HTTP status, and every access is in the audit log under the
client's name and the officer who granted it, one row for each patient whose data it returned.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, redirect, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, InternalServerError

from crm.hospitals.fhir import capability, clients, everything, held, ingest, search
from crm.models import AuditLog, HospitalRecord
from crm.platform import audit
from crm.platform.errors import Refused
from crm.platform.extensions import db, limiter
from crm.staff.auth.access import csrf_exempt, public

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
MEDIA_TYPE = "application/fhir+json"
ISSUE_CODES = {"not_found": "not-found", "invalid": "invalid", "bad_request": "invalid", "login": "login",
               "forbidden": "forbidden", "not_supported": "not-supported", "too_large": "too-costly",
               "conflict": "conflict", "server_error": "exception"}
MAX_BODY = 32 * 1024 * 1024  # a median Synthea patient is a few MB; the longest-lived ones tens of MB


def fhir_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    """FHIR JSON with its media type."""
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE, headers=headers)


def outcome(status: int, code: str, message: str) -> Response:
    """An OperationOutcome answering a refused request."""
    body = {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": ISSUE_CODES.get(code, "processing"), "diagnostics": message}]}
    headers = {"WWW-Authenticate": 'Bearer realm="sampark-fhir"'} if status == 401 else None
    return fhir_response(body, status, headers)


@bp.errorhandler(Refused)
def _refused(exc: Refused) -> Response:
    if exc.status in (401, 403) and g.get("fhir_client") is not None:
        _audit("fhir_refused", refused=exc.code, keep=True)
    return outcome(exc.status, exc.code, exc.message)


@bp.errorhandler(InternalServerError)
def _failed(exc: InternalServerError) -> Response:
    return outcome(500, "server_error", "The server failed on this request; try again. Nothing was stored.")


@bp.before_request
def _json_only():
    """This server speaks FHIR JSON; a client that asks only for XML is told so (406) rather than sent JSON."""
    wanted = request.args.get("_format", "")
    accept = request.accept_mimetypes
    if "xml" in wanted or (accept and not accept.accept_json and accept.best and "xml" in accept.best
                           and accept.quality("application/fhir+json") == 0):
        raise Refused("not_supported", "This server answers application/fhir+json only.", 406)


def base_url() -> str:
    """The FHIR base every fullUrl and link starts with."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/fhir"


def _authenticate() -> None:
    g.fhir_client, g.fhir_scopes = clients.client_for_token(request.headers.get("Authorization", ""))


def _need(resource_type: str, letter: str) -> None:
    _authenticate()
    if not clients.allows(g.fhir_scopes, resource_type, letter):
        what = {"r": "read", "s": "search", "c": "write", "u": "write"}[letter]
        raise Refused("forbidden", f"This client's scopes do not allow it to {what} {resource_type}.", 403)


def _audit(action: str, patients=(), keep: bool = False, **detail) -> None:
    client = g.fhir_client
    audit.record_each_patient(action, patients, via="fhir", keep=keep, hospital_client_id=client.id, client=client.name,
                              client_id=client.client_id, granted_by=client.created_by_id,
                              path=request.full_path[:300], **detail)


def _known_type(resource_type: str) -> None:
    if resource_type not in search.SEARCHERS:
        raise Refused("not_supported", f"This server does not serve {resource_type[:60]}. See /fhir/metadata.", 404)


@bp.get("/metadata")
@public
def metadata():
    """The CapabilityStatement: what this server reads, searches and accepts."""
    return fhir_response(capability.statement(base_url()))


@bp.get("/.well-known/smart-configuration")
@public
def smart_configuration():
    """SMART discovery: where the token endpoint is and how clients authenticate."""
    return Response(json.dumps(capability.smart_configuration(base_url())), mimetype="application/json")


@bp.post("/auth/token")
@public
@csrf_exempt
@limiter.limit("60/minute")
def token():
    """OAuth 2.0 client credentials with a signed JWT assertion (SMART Backend Services)."""
    try:
        answer = clients.exchange(request.form.to_dict())
    except clients.OAuthError as exc:
        return Response(json.dumps({"error": exc.error, "error_description": exc.description}), status=exc.http_status,
                        mimetype="application/json", headers={"Cache-Control": "no-store"})
    return Response(json.dumps(answer), mimetype="application/json", headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@bp.get("/<resource_type>")
@public
def search_type(resource_type: str):
    """Search a resource type; a searchset Bundle, one page at a time."""
    return _search(resource_type, request.args)


@bp.post("/<resource_type>/_search")
@public
@csrf_exempt
def search_post(resource_type: str):
    """Search by POST (form-encoded parameters, as IHE PDQm asks), the same search as GET."""
    args = MultiDict(request.args)
    for name, values in request.form.lists():
        args.setlist(name, args.getlist(name) + values)
    return _search(resource_type, args)


def _search(resource_type: str, args) -> Response:
    _known_type(resource_type)
    _need(resource_type, "s")
    restrict = _own_audit_events if resource_type == "AuditEvent" else None
    rows, entries, total, count, offset = search.find(resource_type, args, restrict)
    _audit("fhir_search", [p for row in rows for p in _patients_of(resource_type, row)], interaction="search-type",
           resource_type=resource_type, count=len(rows))
    return fhir_response(searchset(entries, total, count, offset, f"{base_url()}/{resource_type}", args))


def _own_audit_events(stmt):
    return stmt.where(AuditLog.hospital_client_id == g.fhir_client.id)


def _patients_of(resource_type: str, row) -> list[int]:
    """Whose data this row, served as `resource_type`, shows."""
    if resource_type == "Patient":
        return [row.id]
    if resource_type == "Group":
        return [member.id for member in row.members]
    if resource_type == "Communication":
        return [row.case.patient_id]
    return [row.patient_id] if getattr(row, "patient_id", None) else []


@bp.get("/<resource_type>/<rid>/_history/<vid>")
@public
def vread(resource_type: str, rid: str, vid: str):
    """Read one version of a resource: this server keeps the current one only."""
    response = read(resource_type, rid)
    if response.headers.get("ETag") != f'W/"{vid[:20]}"':
        raise Refused("not_found", f"{resource_type}/{rid[:40]} has no version {vid[:20]} here: only the current one "
                      f"({response.headers.get('ETag')}) is kept.", 404)
    return response


@bp.get("/<resource_type>/<rid>")
@public
def read(resource_type: str, rid: str):
    """Read one resource by id, with its version as the ETag and its lastUpdated as Last-Modified."""
    _known_type(resource_type)
    _need(resource_type, "r")
    searcher = search.searcher_for(resource_type, rid)
    if searcher.model is HospitalRecord and not rid.startswith("h"):
        row = None  # hospital-sent resources have ids h<n>; Sampark's own have plain numbers
    else:
        stmt = search.statement(resource_type, _Args({"_id": [rid]}),
                                _own_audit_events if resource_type == "AuditEvent" else None, searcher)
        row = db.session.scalars(stmt.limit(1)).first()
    if row is None and (kept := search.merged_into(resource_type, rid)) is not None:
        return redirect(f"{base_url()}/Patient/{kept}", 301)  # merged: the record kept answers for it
    if row is None:
        raise Refused("not_found", f"There is no {resource_type}/{rid[:40]} here.", 404)
    _audit("fhir_read", _patients_of(resource_type, row), interaction="read", resource_type=resource_type)
    resource = searcher.to_resource(row)
    return fhir_response(resource, headers=_version_headers(resource))


def _version_headers(resource: dict) -> dict:
    meta = resource.get("meta") or {}
    headers = {}
    if meta.get("versionId"):
        headers["ETag"] = f'W/"{meta["versionId"]}"'
    if meta.get("lastUpdated"):
        moment = datetime.fromisoformat(meta["lastUpdated"]).astimezone(UTC)
        headers["Last-Modified"] = format_datetime(moment, usegmt=True)
    return headers


@bp.get("/Patient/<rid>/$everything")
@public
def patient_everything(rid: str):
    """Everything this server holds about one patient that the client's scopes allow, paged."""
    _need("Patient", "r")
    patient_id = search.reference_id(rid, "Patient")
    entries = everything.of_patient(patient_id, lambda t: clients.allows(g.fhir_scopes, t, "r"))
    count = search._bounded(request.args.get("_count"), 50, 0, 200)
    offset = search._bounded(request.args.get("_offset"), 0, 0, search.MAX_OFFSET)
    members = [int(m["entity"]["reference"].split("/")[1]) for e in entries if e["resourceType"] == "Group" for m in e["member"]]
    _audit("fhir_everything", [patient_id, *members], interaction="operation", resource_type="Patient", count=len(entries))
    return fhir_response(searchset(entries[offset:offset + count], len(entries), count, offset,
                                   f"{base_url()}/Patient/{patient_id}/$everything"))


@bp.post("")
@public
@csrf_exempt
def transaction():
    """A hospital's transaction Bundle of medical history for one patient."""
    return _receive(document=False)


@bp.post("/Bundle")
@public
@csrf_exempt
def document():
    """A hospital's document Bundle (Composition first): an ABDM health-information type for one patient."""
    return _receive(document=True)


def _receive(document: bool) -> Response:
    _authenticate()
    if not clients.allows(g.fhir_scopes, "Bundle", "c"):
        raise Refused("forbidden", "This client's scopes do not allow it to post Bundles (system/Bundle.write).", 403)
    if (request.content_length or 0) > MAX_BODY:
        raise Refused("too_large", f"A Bundle may be at most {MAX_BODY // 1024 // 1024} MB (the limit); this one is "
                      f"{request.content_length / 1024 / 1024:.1f} MB.", 413)
    try:
        # Raw control characters inside strings (a tab or newline in a narrative) are taken as they are: NRCeS's own
        # Prescription and DiagnosticReport examples carry them, and hospitals copy those examples. The nesting depth
        # was checked before any reader parses (crm.platform.security).
        body = json.loads(request.get_data(), strict=False)
    except ValueError as exc:
        raise Refused("invalid", f"The body is not valid JSON: {str(exc)[:160]}.", 400) from None
    if not isinstance(body, dict):
        raise Refused("invalid", "The body is not a JSON object (a FHIR Bundle).", 400)
    try:
        answer, patient_id, replay = ingest.transaction(body, g.fhir_client, g.fhir_scopes, document=document)
    except ingest.Unidentified as found:  # demographics fit someone: held for the card office to confirm
        return fhir_response(held.hold(body, g.fhir_client, g.fhir_scopes, document, found), 202)
    _audit("fhir_ingest", [patient_id] if patient_id else [], interaction="transaction", replay=replay,
           entries=len(answer.get("entry", [])))
    return fhir_response(answer)


class _Args(dict):
    """A MultiDict-like mapping for searches built in code (a read is a search by _id)."""

    def lists(self):
        return self.items()


def searchset(entries: list[dict], total: int, count: int, offset: int, url: str, given=None) -> dict:
    """A searchset Bundle with self, next and previous links."""
    def link(relation: str, at: int) -> dict:
        args = [(k, v) for k, v in (given or request.args).items(multi=True) if k not in ("_offset", "_count")]
        query = urlencode(args + [("_count", str(count)), ("_offset", str(at))])
        return {"relation": relation, "url": f"{url}?{query}"}

    links = [link("self", offset)]
    if count and offset + count < total:
        links.append(link("next", offset + count))
    if offset > 0:
        links.append(link("previous", max(0, offset - count)))
    return {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links,
            "entry": [{"fullUrl": f"{base_url()}/{e['resourceType']}/{e['id']}", "resource": e, "search": {"mode": "match"}}
                      for e in entries]}


ANY_METHOD = ["GET", "POST", "PUT", "DELETE", "PATCH"]


@bp.route("/", methods=ANY_METHOD)
@bp.route("/<path:rest>", methods=ANY_METHOD)
@public
@csrf_exempt
def no_such_address(rest: str = ""):
    """Any other address or method under /fhir: an OperationOutcome (404, or 405 naming the methods it takes)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ANY_METHOD:
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != "fhir.no_such_address":
            allowed.append(method)
    if allowed:
        response = outcome(405, "not_supported", f"{request.method} is not supported at {request.path[:100]}; "
                           f"it takes {', '.join(allowed)}.")
        response.headers["Allow"] = ", ".join(allowed)
        return response
    return outcome(404, "not_found", f"There is nothing at {request.path[:100]} on this FHIR server. See /fhir/metadata.")
