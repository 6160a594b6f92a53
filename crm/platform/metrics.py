"""Prometheus metrics at /metrics, for the on-call engineer's dashboards and alerts (deploy/prometheus/).

Two kinds:
- Counted as things happen, in whichever process they happen (web, worker, sweep): request latency per endpoint
  and status, Socket.IO connections. Under deploy/up every process writes them to PROMETHEUS_MULTIPROC_DIR and a
  scrape of any web instance adds them up (prometheus_client's multiprocess mode); without it, each process
  serves its own.
- Read at scrape time from where the truth is: the job queue and its lag, the age of the last sweep, this
  process's database pool, and what each area registers (crm.helpline.metrics: queues, emergencies waiting,
  agents per state, messages per status).

The endpoint is off unless METRICS_TOKEN is set, and then asks for `Authorization: Bearer <METRICS_TOKEN>`.
Labels are names from code (endpoints, queues, states, statuses): never a phone number, a name or a card number.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from crm.platform import health

bp = Blueprint("metrics", __name__)
COLLECTORS = "sampark_metric_collectors"
# Webhooks must answer well inside Twilio's 15 s; most take milliseconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15)

REQUESTS = Histogram("sampark_http_request_seconds", "Time to answer a request, by endpoint (a route's name) and "
                     "HTTP status; the telephony.* endpoints are the provider's webhooks.", ["endpoint", "status"],
                     buckets=BUCKETS)
SOCKETS = Gauge("sampark_socketio_connections", "Staff dashboards connected over Socket.IO.",
                multiprocess_mode="livesum")
# One gauge family a collector yields: (name, help, label names, [(label values, value), ...]).
Family = tuple[str, str, tuple[str, ...], list[tuple[tuple[str, ...], float]]]


def init_app(app: Flask) -> None:
    """Time every request; serve /metrics; collect the platform's own gauges at scrape time."""
    app.before_request(_start)
    app.after_request(_observe)
    app.register_blueprint(bp)
    register(app, "jobs", _job_families)
    register(app, "sweeps", _sweep_families)
    register(app, "database_pool", _pool_families)


def register(app: Flask, name: str, collect: Callable[[], Iterable[Family]]) -> None:
    """Add `collect()` to every scrape of this app (called in the app context of the /metrics request)."""
    app.extensions.setdefault(COLLECTORS, {})[name] = collect


def _start() -> None:
    g.sampark_started = time.perf_counter()


def _observe(response):
    started = g.pop("sampark_started", None)
    if started is not None:
        endpoint = request.url_rule.endpoint if request.url_rule is not None else "unmatched"
        REQUESTS.labels(endpoint, str(response.status_code)).observe(time.perf_counter() - started)
    return response


def socket_connected(change: int) -> None:
    """A dashboard connected (+1) or went away (-1)."""
    SOCKETS.inc(change)


def _public(view):
    view.public = True  # the token below is its lock (crm.staff.auth.access: the platform imports no area)
    view.csrf_exempt = True
    return view


@bp.get("/metrics")
@_public
def scrape():
    """Every metric in Prometheus's text format, for a scraper holding METRICS_TOKEN."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token:
        return Response("Metrics are off: set METRICS_TOKEN.\n", 404, mimetype="text/plain")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response("A bearer token is needed.\n", 401, {"WWW-Authenticate": "Bearer"}, mimetype="text/plain")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Counted())
    registry.register(_Read(current_app._get_current_object()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class _Counted:
    """What processes counted: all of this machine's processes under deploy/up, else this process's."""

    def collect(self):
        folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if folder:
            from prometheus_client import multiprocess

            yield from multiprocess.MultiProcessCollector(None, path=folder).collect()
        else:
            for family in REGISTRY.collect():
                if family.name.startswith("sampark_"):
                    yield family


class _Read:
    """Gauges read at scrape time from the collectors the platform and the areas registered."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        for name, collect in self.app.extensions.get(COLLECTORS, {}).items():
            try:
                families = list(collect())
            except Exception:  # a collector whose source is away (the database, Redis) is left out; /readyz names it
                current_app.logger.warning("metrics collector %s failed", name, exc_info=True)
                families = [(f"sampark_collector_up_{name}", f"Whether the {name} collector answered.", (), [((), 0)])]
            for metric, help_text, labels, samples in families:
                family = GaugeMetricFamily(metric, help_text, labels=list(labels))
                for values, value in samples:
                    family.add_metric(list(values), value)
                yield family


def _job_families() -> Iterable[Family]:
    from crm.platform.jobs import RqRunner

    runner = current_app.extensions.get("sampark_jobs")
    if not isinstance(runner, RqRunner):
        return []
    return [
        ("sampark_jobs_queued", "Jobs waiting on the rq queue.", (), [((), len(runner.queue))]),
        ("sampark_job_lag_seconds", "How long the oldest queued job has waited.", (), [((), health.job_lag(runner))]),
        ("sampark_job_workers", "rq workers registered on the queue.", (), [((), health.worker_count(runner))]),
    ]


def _sweep_families() -> Iterable[Family]:
    age = health.sweep_age()
    return [("sampark_sweep_age_seconds", ("Seconds since the sweeps last finished a pass in any process "
             "(+Inf before the first)."), (), [((), float("inf") if age is None else age)])]


def _pool_families() -> Iterable[Family]:
    from crm.platform.extensions import db

    pool = db.engine.pool
    checked_out = pool.checkedout() if hasattr(pool, "checkedout") else 0
    size = pool.size() if hasattr(pool, "size") else 0
    overflow = getattr(pool, "_max_overflow", 0)
    return [
        ("sampark_db_pool_connections_in_use", "Database connections this web process has checked out.", (),
         [((), checked_out)]),
        ("sampark_db_pool_connections_max", "The most connections this web process may hold (pool + overflow).",
         (), [((), size + max(overflow, 0))]),
    ]
