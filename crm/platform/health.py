"""Health for the balancer and the on-call engineer: /healthz (this process answers) and /readyz (what it needs
answers too: PostgreSQL, Redis, the job queue and its workers, a recent pass of the sweeps).

Both are unauthenticated, read no patient data, write nothing and are never audited. /readyz names each check and
what failed, with 503 when any did, so `curl /readyz` at 3 a.m. says where to look.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from crm.platform.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)
SWEEP_KEY = "sampark:sweep:last-pass"  # Unix time of the latest finished pass of the sweeps, from any process
# A pass runs every 5 s; a sweep not seen for this long has stopped (its process died or it hangs on something).
SWEEP_STALE_SECONDS = 60
# The oldest job still waiting its turn this long means the workers are gone or cannot keep up.
JOB_LAG_SECONDS = 60


def init_app(app: Flask) -> None:
    """Serve /healthz and /readyz."""
    app.register_blueprint(bp)


def _public(view):
    view.public = True  # crm.staff.auth.access lets it through without a login (the platform imports no area)
    return view


@bp.get("/healthz")
@_public
def healthz():
    """The process is alive and serving requests; it asks nothing of anything else."""
    return jsonify(status="ok")


@bp.get("/readyz")
@_public
def readyz():
    """Every dependency, by name: 200 when all answer, else 503 naming what failed."""
    checks = {"database": check_database(), "redis": check_redis(), "jobs": check_jobs(), "sweeps": check_sweeps()}
    failed = [name for name, check in checks.items() if not check["ok"]]
    status = 503 if failed else 200
    return jsonify(status="not ready" if failed else "ready", failed=failed, checks=checks), status


def check_database() -> dict:
    """One trivial statement with a short statement timeout on a pooled connection."""
    try:
        with db.engine.connect() as connection, connection.begin():
            connection.execute(text("SET LOCAL statement_timeout = 2000"))
            connection.execute(text("SELECT 1"))
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any driver error: the answer names it, the balancer takes this process out
        return {"ok": False, "error": _reason(exc)}


def _redis():
    from crm.platform.jobs import redis_connection

    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    clients = current_app.extensions.setdefault("sampark_health_redis", {})
    if url not in clients:
        clients[url] = redis_connection(url)
    return clients[url]


def check_redis() -> dict:
    """PING, when this deployment uses Redis (the demo runs without it)."""
    connection = _redis()
    if connection is None:
        return {"ok": True, "detail": "not used (jobs in process)"}
    try:
        connection.ping()
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any client error is "not ready", named in the answer
        return {"ok": False, "error": _reason(exc)}


def check_jobs() -> dict:
    """With rq: at least one worker registered, and the oldest queued job not waiting past JOB_LAG_SECONDS."""
    from crm.platform.jobs import RqRunner

    runner = current_app.extensions.get("sampark_jobs")
    if not isinstance(runner, RqRunner):
        return {"ok": True, "detail": "in process"}
    try:
        lag = job_lag(runner)
        workers = worker_count(runner)
    except Exception as exc:  # noqa: BLE001 - Redis or rq failing is "not ready", named in the answer
        return {"ok": False, "error": _reason(exc)}
    result = {"workers": workers, "queued": len(runner.queue), "lag_seconds": round(lag, 1)}
    if workers == 0:
        return result | {"ok": False, "error": "no worker is registered on the job queue"}
    if lag > JOB_LAG_SECONDS:
        return result | {"ok": False, "error": f"the oldest job has waited {lag:.0f} s"}
    return result | {"ok": True}


def worker_count(runner) -> int:
    """Workers registered on rq's queue (they renew their registration while alive)."""
    from rq import Worker

    return Worker.count(queue=runner.queue)


def job_lag(runner) -> float:
    """Seconds the oldest job still on the queue has waited (0 for an empty queue)."""
    from rq.job import Job

    oldest = runner.queue.connection.lindex(runner.queue.key, 0)  # rq pushes new jobs at the right
    if oldest is None:
        return 0.0
    job = Job.fetch(oldest.decode(), connection=runner.queue.connection)
    if job.enqueued_at is None:
        return 0.0
    return max(0.0, time.time() - job.enqueued_at.timestamp())


def mark_sweep_pass(app: Flask) -> None:
    """A pass of the sweeps finished: remember when, where every process's /readyz can see it."""
    now = time.time()
    app.extensions["sampark_sweep_last_pass"] = now
    with app.app_context():
        connection = _redis()
        if connection is not None:
            try:
                connection.set(_sweep_key(app), now, ex=3600)
            except Exception:
                log.warning("sweep pass not recorded in Redis", exc_info=True)


def sweep_age() -> float | None:
    """Seconds since the latest pass of the sweeps in any process, or None if none was ever seen."""
    seen = [current_app.extensions.get("sampark_sweep_last_pass")]
    connection = _redis()
    if connection is not None:
        try:
            stored = connection.get(_sweep_key(current_app))
            seen.append(float(stored) if stored else None)
        except Exception:
            log.warning("sweep pass not read from Redis", exc_info=True)
    latest = max((s for s in seen if s is not None), default=None)
    return None if latest is None else max(0.0, time.time() - latest)


def check_sweeps() -> dict:
    """A pass of the sweeps (alarms for unaccepted emergencies, lost jobs, reminders) in the last minute."""
    age = sweep_age()
    if age is None:
        return {"ok": False, "error": "no pass of the sweeps has been seen (is `flask sweep loop` running?)"}
    if age > SWEEP_STALE_SECONDS:
        return {"ok": False, "age_seconds": round(age), "error": f"the sweeps last ran {age:.0f} s ago"}
    return {"ok": True, "age_seconds": round(age, 1)}


def _sweep_key(app: Flask) -> str:
    # Deployments sharing one Redis keep their live events apart by channel; their sweeps too.
    return f"{app.config.get('SOCKETIO_CHANNEL') or 'sampark'}:{SWEEP_KEY}"


def _reason(exc: Exception) -> str:
    """The error's kind for the (unauthenticated) answer; its message, which may name hosts, goes to the log."""
    log.warning("readiness check failed: %s: %s", type(exc).__name__, str(exc).strip()[:300])
    return type(exc).__name__
