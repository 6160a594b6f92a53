"""Logs an on-call engineer can search: one JSON object a line, each with the request id of the contact it belongs to.

A request id is taken from the balancer's X-Request-Id (when it is a plain token) or made here; it is returned in
the answer's X-Request-Id, written on every line logged while the request runs, carried to the jobs it queues
(rq's job meta) and written on their lines too. Each provider webhook logs one line with its CallSid or
MessageSid and the live events it sent, so `grep <request id>` or `grep <CallSid>` finds the webhook, its events and
its jobs.

No line carries a phone number, a card number, a name or a message's text: the code logs ids only, the
database driver's errors leave out their parameters (crm.config sets hide_parameters), and, as a last guard,
any run of 8 or more digits (a phone, a card, an Aadhaar number) in a line is replaced by [digits].
LOG_FORMAT=json (the default in production) or text (development, the demo) chooses the format.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

log = logging.getLogger("sampark.requests")
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("sampark_request_id", default=None)
GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")  # a balancer's request id we are willing to repeat
# 8+ digits, spaced or not, standing alone (a phone, card or Aadhaar number; not the digits inside a hex CallSid)
DIGITS = re.compile(r"(?<![A-Za-z0-9])(?:%2B|\+)?\d[\d ()-]{6,}\d(?![A-Za-z0-9])")  # %2B: a + in a URL
PROVIDER_IDS = ("CallSid", "MessageSid", "SmsSid", "ConferenceSid", "ParentCallSid")
PROVIDER_ID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")
HANDLER = "sampark_log_handler"
WEBHOOKS = "/telephony/"  # every provider's webhooks are under it (the telephony edge)


def current() -> str | None:
    """The request id of the contact this code works for (a web request or a job it queued), if any."""
    return REQUEST_ID.get()


@contextmanager
def bound(request_id: str | None):
    """Log under `request_id` inside the block (a job runs under the id of the request that queued it)."""
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


def scrub(text: str) -> str:
    """The line with every run of 8 or more digits replaced; ids such as CallSids (hex) pass."""
    return DIGITS.sub(_digits, text)


def _digits(match: re.Match) -> str:
    return "[digits]" if sum(c.isdigit() for c in match.group()) >= 8 else match.group()


class JsonLines(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request_id, and an exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or current(),
        }
        for key in ("endpoint", "status", "ms", "provider_ids", "job", "events"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class Text(logging.Formatter):
    """The same facts as readable text, for a developer's terminal (the message and any exception scrubbed)."""

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or current() or "-"
        line = f"{self.formatTime(record)} {record.levelname} {record.name} [{rid}] {scrub(record.getMessage())}"
        if record.exc_info:
            line += "\n" + scrub(self.formatException(record.exc_info))
        return line


def configure(fmt: str = "json", level: int = logging.INFO) -> None:
    """Send this process's log lines (Sampark's, rq's, gunicorn's errors) to stderr in `fmt`; done once."""
    root = logging.getLogger()
    if any(getattr(h, HANDLER, False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if fmt == "json" else Text())
    setattr(handler, HANDLER, True)
    root.addHandler(handler)
    root.setLevel(level)


def init_app(app: Flask) -> None:
    """Give every request its id; log each provider webhook with its provider ids."""
    if app.config.get("LOG_FORMAT") in ("json", "text") and not app.testing:
        configure(app.config["LOG_FORMAT"])
    app.before_request(_begin)
    app.after_request(_end)
    app.teardown_request(_forget)


def _begin() -> None:
    given = request.headers.get("X-Request-Id", "")
    rid = given if GIVEN_ID.fullmatch(given) else uuid.uuid4().hex[:16]
    REQUEST_ID.set(rid)
    g.sampark_request_began = time.perf_counter()


def _forget(_exc=None) -> None:
    REQUEST_ID.set(None)  # a server thread's next line outside a request is nobody's


def _is_webhook() -> bool:
    return request.url_rule is not None and request.path.startswith(WEBHOOKS)


def events_sent(names: list[str]) -> None:
    """Log the live events a unit of work sent (`kind#case id` each): on a provider webhook's own line, written when
    its request ends (one line a webhook, not two), else on a line of their own."""
    if has_request_context() and _is_webhook():
        g.sampark_events = [*g.get("sampark_events", ()), *names]
        return
    log.info("live events", extra={"events": names})


def _end(response):
    rid = current()
    if rid:
        response.headers["X-Request-Id"] = rid
    if _is_webhook():
        form, status = request.form, response.status_code  # a field that is absent is not looked up (a werkzeug error each)
        ids = {key: form[key] for key in PROVIDER_IDS if key in form and PROVIDER_ID.fullmatch(form[key])}
        began = g.get("sampark_request_began")
        extra = {"endpoint": request.url_rule.endpoint, "status": status, "provider_ids": ids,
                 "ms": round((time.perf_counter() - began) * 1000, 1) if began else None}
        if events := g.get("sampark_events"):
            extra["events"] = events
        log.info("webhook %s %s", extra["endpoint"], status, extra=extra)
    return response
