"""What bench/webhook_stalls.py's servers run: bench_voice_webhook's serving app, timed from inside.

Loaded by gunicorn as `stalls_server:app()` with the code under test first on PYTHONPATH and this folder after it,
so the same timing wraps the app of any checkout (one without this file too). Each web process appends JSON lines
to $STALLS_OUT.<pid>.jsonl, written by a thread once a second:

- "req": one per request: when the WSGI call began (time.perf_counter, the same clock as the load generator's),
  its ms, the provider id, and the ms spent in the pool's checkout, the step's one statement (its round trip
  and commit), the hand-over to the publisher thread and the log line;
- "late": a watchdog thread sleeps 2 ms at a time and notes each wake-up more than 10 ms late (how long a
  thread that became ready waited for the interpreter's lock and a CPU);
- "emit": each time the live events were sent to Redis (crm.helpline.live.events.emit_all), how many;
- "redis": this process's round trips to Redis so far (pipelines and single commands).
"""

from __future__ import annotations

import json
import os
import threading
import time

_lines: list = []
_local = threading.local()
_clock = time.perf_counter


def app():
    """The bench's serving app with the timing installed."""
    import logging

    import redis.client
    from flask import request
    from sqlalchemy.engine import Engine

    from bench.bench_voice_webhook import serving_app
    from crm.helpline.live import events
    from crm.platform import direct_sql, publisher

    served = serving_app()
    _timed(Engine, "raw_connection", "checkout")
    _timed(direct_sql.Direct, "_send", "statement")
    _timed(publisher, "hand_over", "hand_over")
    _timed(logging.StreamHandler, "emit", "log")
    emit_all = events.emit_all

    def emit_counted(ready):
        _lines.append({"kind": "emit", "t": _clock(), "events": len(ready)})
        return emit_all(ready)

    events.emit_all = emit_counted  # before gunicorn's post_worker_init hands it to the publisher thread
    trips = [0]
    for owner in (redis.client.Pipeline, redis.client.Redis):
        method = "execute" if owner is redis.client.Pipeline else "execute_command"
        original = getattr(owner, method)

        def counted(self, *args, _original=original, **kwargs):
            trips[0] += 1
            return _original(self, *args, **kwargs)

        setattr(owner, method, counted)
    wsgi = served.wsgi_app

    def timed_wsgi(environ, start_response):
        _local.phases = phases = {}
        began = _clock()
        try:
            return wsgi(environ, start_response)
        finally:
            _local.phases = None
            _lines.append({"kind": "req", "t": began, "ms": (_clock() - began) * 1000,
                           "path": environ.get("PATH_INFO"), **phases})

    served.wsgi_app = timed_wsgi

    @served.after_request
    def provider_id(response):
        phases = getattr(_local, "phases", None)
        if phases is not None:
            phases["sid"] = request.form.get("CallSid") or request.form.get("MessageSid")
        return response

    threading.Thread(target=_write, args=(trips,), daemon=True).start()
    threading.Thread(target=_watch, daemon=True).start()
    return served


def _timed(owner, name: str, phase: str) -> None:
    original = getattr(owner, name)

    def timed(*args, **kwargs):
        began = _clock()
        try:
            return original(*args, **kwargs)
        finally:
            phases = getattr(_local, "phases", None)
            if phases is not None:
                phases[phase] = phases.get(phase, 0.0) + (_clock() - began) * 1000

    setattr(owner, name, timed)


def _watch() -> None:
    while True:
        began = _clock()
        time.sleep(0.002)
        late = (_clock() - began - 0.002) * 1000
        if late > 10:
            _lines.append({"kind": "late", "t": began, "ms": late})


def _write(trips: list) -> None:
    path = f"{os.environ['STALLS_OUT']}.{os.getpid()}.jsonl"
    while True:
        time.sleep(1.0)
        _lines.append({"kind": "redis", "t": _clock(), "trips": trips[0]})
        taken = _lines[:]
        del _lines[:len(taken)]
        with open(path, "a") as out:
            out.write("".join(json.dumps(line) + "\n" for line in taken))
