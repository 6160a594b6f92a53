"""Error tracking with Sentry's SDK: off unless SENTRY_DSN is set, and nothing personal leaves the machine.

With a DSN, unhandled errors of web requests, jobs and sweeps go to Sentry (or any service that takes its
protocol, e.g. a self-hosted GlitchTip) tagged with the request id of crm.platform.logs. Before an event is sent,
`scrub` takes out what could name a person: request bodies, cookies, headers but a few, query strings, local
variables, user details, breadcrumbs' data, every exception's text (it may quote a value; it stays in Sampark's own
logs, found by the request id), and any run of 8 or more digits left in a message. The SDK is also told to collect none of these (its `data_collection`).
"""

from __future__ import annotations

from flask import Flask

from crm.platform import logs

KEPT_HEADERS = {"User-Agent", "X-Request-Id", "Content-Type", "Content-Length"}
WITHHELD = "[withheld: read this error's text in Sampark's own logs under the request_id tag]"


def init_app(app: Flask) -> None:
    """Start the SDK when SENTRY_DSN is set (once per process)."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.rq import RqIntegration

    # The SDK collects less to begin with (no user, bodies, frame variables or query values); `scrub` is the rule.
    collect = {"user_info": False, "http_bodies": [], "stack_frame_variables": False, "database_query_data": False}
    sentry_sdk.init(dsn=dsn, environment=app.config.get("SAMPARK_ENV"), data_collection=collect,
                    max_request_body_size="never", before_send=scrub, before_breadcrumb=_breadcrumb,
                    integrations=[FlaskIntegration(), RqIntegration()], traces_sample_rate=0,
                    # Only the integrations named: no SQL, Redis or HTTP-client spans (statements and URLs may hold data).
                    auto_enabling_integrations=False)


def scrub(event: dict, _hint: dict | None = None) -> dict:
    """The event without personal data (see the module's docstring)."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k in KEPT_HEADERS}
        if isinstance(request.get("url"), str):
            request["url"] = logs.scrub(request["url"].split("?", 1)[0])
    event.pop("user", None)
    event.pop("extra", None)
    if event.get("message"):
        event["message"] = logs.scrub(str(event["message"]))
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        logentry.pop("params", None)
        for key in ("message", "formatted"):
            if logentry.get(key):
                logentry[key] = logs.scrub(str(logentry[key]))
    for exception in (event.get("exception") or {}).get("values") or []:
        if exception.get("value"):  # an error's text may quote a value (a driver's error does): the type and the
            exception["value"] = WITHHELD  # stack go out; the text stays in our own logs, under the request id
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    request_id = logs.current()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def _breadcrumb(crumb: dict, _hint: dict | None = None) -> dict | None:
    crumb.pop("data", None)
    if crumb.get("message"):
        crumb["message"] = logs.scrub(str(crumb["message"]))
    return crumb
