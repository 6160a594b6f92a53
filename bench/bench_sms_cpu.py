"""CPU per SMS webhook against the floor, in one process: a measure that a loaded machine moves little.

Run from the repository root:

    .venv/bin/python -m bench.bench_sms_cpu            # 5 alternating rounds of 200 requests per kind
    .venv/bin/python -m bench.bench_sms_cpu --rounds 3 --n 100

bench/bench_voice_webhook.py measures latency over real HTTP at 200/s, which needs the machine to itself: with
other work on its two cores the medians and p99s say more about the load than about the step. This measures the
thread CPU time (time.thread_time) of each request through the Flask test client, on PostgreSQL (a fresh database
migrated by the real migrations) and Redis (live events and the send job sent from the request thread, as the web
process's publisher thread would send them after the answer), for three kinds of request in alternating blocks:
the bare endpoint (constant TwiML), the floor (signature, one durable INSERT on the thread's own connection,
constant TwiML: bench_voice_webhook's reference) and the SMS webhook (a fresh MessageSid and sender each, the
bench's five texts in turn, a fifth of them red flags). It prints the medians and the SMS step's ratio to the floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench import bench_voice_webhook as voice


def measure(rounds: int, n: int) -> dict[str, list[float]]:
    """Thread CPU ms per request, by kind, over `rounds` alternating blocks of `n` requests each."""
    from twilio.request_validator import RequestValidator

    url = voice.fresh_pg_database()
    with tempfile.TemporaryDirectory(prefix="sampark-bench-sms-cpu-") as tmp:
        voice.migrated(url, Path(tmp))
        os.environ.update({"BENCH_INSTANCE": tmp, "DATABASE_URL": url, "REDIS_URL": voice.REDIS_URL,
                           "SECRET_KEY": voice.SECRET, "PUBLIC_BASE_URL": voice.PUBLIC, "TELEPHONY": "emulator",
                           "SAMPARK_ENV": "development"})
        app = voice.serving_app()
        with app.app_context():
            from crm.platform.extensions import db

            db.session.execute(db.text("CREATE TABLE IF NOT EXISTS bench_floor (sid text, heard_at timestamptz)"))
            db.session.commit()
        client = app.test_client()
        validator = RequestValidator(app.config["TWILIO_AUTH_TOKEN"])
        counter = iter(range(10**9))

        def signed(path: str, params: dict) -> tuple[bytes, dict]:
            signature = validator.compute_signature(voice.PUBLIC + path, params)
            return urlencode(params).encode(), {"X-Twilio-Signature": signature,
                                                "Content-Type": "application/x-www-form-urlencoded"}

        def request(kind: str) -> tuple[str, bytes, dict]:
            k = next(counter)
            if kind == "bare":
                return voice.BARE, b"", {}
            if kind == "floor":
                path, params = voice.FLOOR, {"CallSid": f"CA{k:032x}", "From": "+919800000000"}
            else:
                path, params = "/telephony/sms", {
                    "MessageSid": f"SM{k:032x}", "AccountSid": app.config["TWILIO_ACCOUNT_SID"],
                    "From": f"+9197{k % 10**8:08d}", "To": app.config["TWILIO_PHONE_NUMBER"],
                    "Body": voice.TEXTS[k % len(voice.TEXTS)], "NumMedia": "0", "NumSegments": "1"}
            return (path, *signed(path, params))

        cpu: dict[str, list[float]] = {"bare": [], "floor": [], "sms": []}
        for kind in cpu:  # warm up
            for _ in range(30):
                path, body, headers = request(kind)
                client.post(path, data=body, headers=headers, base_url=voice.PUBLIC)
        for round_no in range(rounds):
            kinds = list(cpu) if round_no % 2 == 0 else list(reversed(cpu))
            for kind in kinds:
                for _ in range(n):
                    path, body, headers = request(kind)
                    started = time.thread_time()
                    response = client.post(path, data=body, headers=headers, base_url=voice.PUBLIC)
                    cpu[kind].append((time.thread_time() - started) * 1000)
                    if response.status_code != 200:
                        raise RuntimeError(f"{kind} answered {response.status_code}: {response.data[:300]!r}")
        return cpu


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    cpu = measure(args.rounds, args.n)
    medians = {kind: statistics.median(values) for kind, values in cpu.items()}
    print("| kind | requests | thread CPU median ms | p90 ms |\n|---|---:|---:|---:|")
    for kind, values in cpu.items():
        print(f"| {kind} | {len(values)} | {medians[kind]:.2f} | {statistics.quantiles(values, n=10)[-1]:.2f} |")
    print(f"\nsms / floor: {medians['sms'] / medians['floor']:.2f}x; sms - floor: {medians['sms'] - medians['floor']:.2f} ms;"
          f" floor / bare: {medians['floor'] / medians['bare']:.2f}x")


if __name__ == "__main__":
    main()
