"""The REST API at /2010-04-01/...: authentication, OpenAPI validation, the request log, dispatch.

One catch-all route: the request is matched against the OpenAPI description, which names the
operation (CreateCall, UpdateMember, ...); handlers register themselves by operation id.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, request
from werkzeug.datastructures import MultiDict

bp = Blueprint("twilio_rest", __name__)
HANDLERS: dict[str, Callable] = {}
MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


class RestError(Exception):
    """A Twilio-style error answer; `invalid` marks a request the app should never have sent."""

    def __init__(self, status: int, code: int, message: str, invalid: bool = False) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.invalid = status, code, message, invalid


@dataclass
class RestCall:
    """What a handler gets: the emulator, path parameters and the form or query."""

    emulator: object
    path: dict[str, str]
    form: MultiDict
    query: dict[str, str]
    path_text: str

    def flag(self, name: str, default: bool | None = None) -> bool | None:
        """A true/false form field."""
        value = self.form.get(name)
        return default if value is None else value.lower() == "true"


def handles(operation_id: str) -> Callable:
    """Register a handler for an OpenAPI operation id."""
    def register(function: Callable) -> Callable:
        HANDLERS[operation_id] = function
        return function
    return register


def error_body(status: int, code: int, message: str, details: list[str] | None = None) -> dict:
    """Twilio's error JSON (what twilio-python turns into TwilioRestException)."""
    body = {"code": code, "message": message, "more_info": MORE_INFO.format(code=code), "status": status}
    if details:
        body["details"] = {"errors": details}
    return body


@bp.route("/2010-04-01/<path:rest>", methods=["GET", "POST", "DELETE", "PUT", "PATCH"])
def dispatch(rest: str):
    """Authenticate, validate against the OpenAPI description, log, and run the operation."""
    emulator = current_app.extensions["twilio_emulator"]
    settings = emulator.settings
    started = time.monotonic()
    source = request.form if request.method == "POST" else request.args
    params = {name: source.getlist(name) for name in source}
    entry = {"at": time.time(), "method": request.method, "path": request.path, "params": params,
             "operation": None, "valid": True, "errors": [], "status": None}

    def answer(status: int, body: dict | None):
        entry["status"], entry["ms"] = status, round((time.monotonic() - started) * 1000, 1)
        emulator.store.log_request(entry)
        if body is None:
            return "", status
        response = jsonify(body)
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        return response

    if not _authorised(settings.account_sid, settings.auth_token):
        entry.update(valid=False, errors=["authentication failed (HTTP basic AccountSid:AuthToken)"])
        return answer(401, error_body(401, 20003, "Authenticate"))
    match = emulator.openapi.match(request.method, request.path, params)
    entry["operation"] = match.operation.operation_id if match.operation else None
    if not match.valid:
        entry.update(valid=False, errors=match.errors)
        code = {404: 20404, 405: 20004}.get(match.status, 20001)
        message = {404: "The requested resource was not found", 405: "Method not allowed"}.get(
            match.status, "Invalid request: " + "; ".join(match.errors))
        return answer(match.status, error_body(match.status, code, message, match.errors))
    if match.path_params.get("AccountSid") != settings.account_sid:
        entry.update(valid=False, errors=["AccountSid in the path is not the authenticated account"])
        return answer(404, error_body(404, 20404, "The requested resource was not found"))
    handler = HANDLERS.get(match.operation.operation_id)
    if handler is None:
        entry["errors"] = [f"{match.operation.operation_id} is valid but not emulated"]
        return answer(501, error_body(501, 20501, f"The emulator does not implement {match.operation.operation_id}"))
    call = RestCall(emulator, match.path_params, request.form, request.args.to_dict(), request.path)
    try:
        status, body = handler(call)
    except RestError as error:
        entry["errors"] = [f"{error.code}: {error.message}"]
        entry["valid"] = not error.invalid
        return answer(error.status, error_body(error.status, error.code, error.message))
    return answer(status, body)


def _authorised(account_sid: str, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return user == account_sid and password == token


def not_found(what: str) -> RestError:
    """Twilio's 404 for a resource that does not exist (or no longer does)."""
    return RestError(404, 20404, f"The requested resource {what} was not found")


@bp.errorhandler(RestError)
def _rest_error(error: RestError):
    return jsonify(error_body(error.status, error.code, error.message)), error.status
