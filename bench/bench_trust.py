"""What the trust checks cost per request, against a baseline in the same run.

(1) The webhook field check (telephony.webhook_fields.problem) on an incoming-call form, alone.
(2) A staff request (GET /api/v1/me through the Flask test client, SQLite in a temporary folder) with the
    server-side session check, against the same request with the check replaced by the old cookie-only
    user load; blocks alternated ABBA.

`.venv/bin/python -m bench.bench_trust`
"""

from __future__ import annotations

import statistics
import tempfile
import time
import timeit
from pathlib import Path

from werkzeug.datastructures import MultiDict

from crm.models import StaffUser
from crm.platform.extensions import db
from crm.staff.auth import sessions
from telephony import webhook_fields

BLOCK = 300


def field_check_us() -> float:
    """Median microseconds of one field check over 5 runs of 20,000."""
    form = MultiDict({"CallSid": "CA" + "a" * 32, "AccountSid": "AC" + "0" * 32, "From": "+919810000001",
                      "To": "+911800112233", "Caller": "+919810000001", "Called": "+911800112233",
                      "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"})
    runs = [timeit.timeit(lambda: webhook_fields.problem(form), number=20_000) / 20_000 * 1e6 for _ in range(5)]
    return statistics.median(runs)


def _cookie_only(key, staff_id):
    """The baseline: what the user loader did before sessions were rows."""
    staff = db.session.get(StaffUser, staff_id)
    return staff if staff and staff.active else None


def staff_request_ms() -> dict[str, list[float]]:
    """Latency of GET /api/v1/me in ms, with the session check and with the cookie-only baseline."""
    from tests import factories
    from tests.conftest import app_with_schema

    results: dict[str, list[float]] = {"server-side session": [], "cookie only (baseline)": []}
    with tempfile.TemporaryDirectory() as folder, app_with_schema(Path(folder)) as app:
        staff = factories.make_staff("supervisor")
        client = app.test_client()
        client.post("/login", data={"username": staff.username, "password": factories.PASSWORD})
        real = sessions.staff_for
        for name in ["server-side session", "cookie only (baseline)", "cookie only (baseline)", "server-side session"] * 2:
            sessions.staff_for = real if name.startswith("server") else _cookie_only
            for _ in range(BLOCK):
                started = time.perf_counter()
                assert client.get("/api/v1/me").status_code == 200
                results[name].append((time.perf_counter() - started) * 1000)
        sessions.staff_for = real
    return results


def main() -> None:
    """Print both measurements as Markdown."""
    print(f"Webhook field check: {field_check_us():.1f} µs per incoming-call webhook (median of 5 x 20,000).")
    print()
    print("| user load | requests | median ms | p90 ms |")
    print("|---|---:|---:|---:|")
    for name, values in staff_request_ms().items():
        values.sort()
        print(f"| {name} | {len(values)} | {statistics.median(values):.2f} | {values[int(len(values) * 0.9)]:.2f} |")


if __name__ == "__main__":
    main()
