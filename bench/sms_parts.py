"""Where an inbound text's request spends its time beside the floor's, part by part, in one process.

Run from the repository root (SAMPARK_BENCH_NAME / SAMPARK_BENCH_REDIS_DB as for bench_voice_webhook):

    .venv/bin/python -m bench.sms_parts [-n 600]

The real app (bench.webhook_cpu.serving: a fresh database, the publisher thread running) is called as WSGI in this
process, a text and a floor request in turn (the bench's five texts, each from a new number: each opens a case).
Every part of the request is wrapped in a timer: the app's before- and after-request hooks one by one, the view,
and inside the text's view the parse, the classifier, the step's statement (the pool's checkout, the round trip,
its CPU), the live events, the send job's hand-over. For each it prints the median thread CPU per request in
microseconds (what the part costs the server's CPU: a busy machine moves it less than wall time) and the
median wall time; the process CPU beyond the request thread (the publisher's) last. The parts are exclusive where
they nest (the view's figure is what is left after the parts inside it). What it does not show: what serving many
requests at once adds (the pool, the two cores shared, the WAL flushes of others' commits); that is
bench_voice_webhook's.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections import defaultdict

from bench import bench_voice_webhook as bench
from bench import webhook_cpu

_stack: list = []  # the open timers, innermost last: (name, cpu at start, wall at start, cpu of children)
_spent: dict = defaultdict(lambda: [0.0, 0.0])  # name -> [cpu, wall] of this request, exclusive of children


def timed(name: str, function):
    """`function` with its thread CPU and wall time (less its timed parts') added to `name`'s."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        _stack.append([name, time.thread_time(), time.perf_counter(), 0.0, 0.0])
        try:
            return function(*args, **kwargs)
        finally:
            _, cpu0, wall0, child_cpu, child_wall = _stack.pop()
            cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
            _spent[name][0] += cpu - child_cpu
            _spent[name][1] += wall - child_wall
            if _stack:
                _stack[-1][3] += cpu
                _stack[-1][4] += wall

    return wrapper


def _name(function) -> str:
    inner = getattr(function, "func", function)  # a functools.partial: the function it calls
    return f"{getattr(inner, '__module__', '?')}.{getattr(inner, '__qualname__', repr(inner))}"


def instrument(app, detail: bool = False) -> None:
    """Wrap the parts of a request (see the module)."""
    from sqlalchemy.engine import Engine

    from crm.cases import texts
    from crm.helpline.live import events
    from crm.helpline.messages import inbound
    from crm.platform import direct_sql
    from telephony import sms

    for hooks in (app.before_request_funcs, app.after_request_funcs):
        for key, functions in hooks.items():
            hooks[key] = [timed(f"hook {_name(f)}", f) for f in functions]
    for endpoint in ("telephony_sms.sms", "bench_floor"):
        app.view_functions[endpoint] = timed(f"view {endpoint} (rest)", app.view_functions[endpoint])
    inbound.classify = timed("triage.classify", inbound.classify)
    sms.inbound_text = timed("parse (inbound_text)", sms.inbound_text)
    inbound.receive = timed("inbound.receive (rest)", inbound.receive)
    texts.take = timed("texts.take (rest: params, row)", texts.take)
    direct_sql.Direct._send = timed("statement round trip (_send)", direct_sql.Direct._send)
    Engine.raw_connection = timed("pool checkout", Engine.raw_connection)
    events.case_changed = timed("events.case_changed", events.case_changed)
    inbound.outbox.send_after_commit = timed("outbox.send_after_commit", inbound.outbox.send_after_commit)
    if detail:
        from crm.cases import languages
        from crm.platform import publisher
        from telephony import signature, webhook_fields

        inbound.facility_question.read = timed("facility_question.read", inbound.facility_question.read)
        inbound.grievance_keyword.parse = timed("grievance_keyword.parse", inbound.grievance_keyword.parse)
        inbound.replies.reply = timed("replies.reply", inbound.replies.reply)
        signature.is_valid_request = timed("signature", signature.is_valid_request)
        webhook_fields.problem = timed("webhook_fields.problem", webhook_fields.problem)
        webhook_fields.cleaned = timed("webhook_fields.cleaned", webhook_fields.cleaned)
        events._build = timed("events._build (before commit)", events._build)
        events._send = timed("events._send (after commit)", events._send)
        publisher.hand_over = timed("publisher.hand_over", publisher.hand_over)
        direct_sql.Direct._values = timed("Direct._values", direct_sql.Direct._values)
        texts.languages.of_triage = timed("languages.of_triage", languages.of_triage)


def main() -> None:
    """Serve, warm, measure the text and the floor in turn, print medians per part."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", type=int, default=600, help="requests per step (default 600)")
    parser.add_argument("--detail", action="store_true", help="time the smaller parts inside the view too")
    args = parser.parse_args()
    twilio = bench.Twilio()
    with webhook_cpu.serving() as app:
        instrument(app, args.detail)
        per: dict = {"sms": defaultdict(list), "floor": defaultdict(list)}
        for k in range(3 * 10**6, 3 * 10**6 + 60 + args.n):
            for step in ("sms", "floor"):
                environ = webhook_cpu.environ_of(*twilio.step(step, k, None))
                _spent.clear()
                t0, w0, p0 = time.thread_time(), time.perf_counter(), time.process_time()
                status, body = webhook_cpu.call(app.wsgi_app, environ)
                t1, w1, p1 = time.thread_time(), time.perf_counter(), time.process_time()
                if not bench.answered(step, status, body):
                    raise RuntimeError(f"{step} answered {status}: {body[:200]!r}")
                if k < 3 * 10**6 + 60:
                    continue  # warming up
                inner_cpu = sum(cpu for cpu, _ in _spent.values())
                inner_wall = sum(wall for _, wall in _spent.values())
                record = per[step]
                for name, (cpu, wall) in _spent.items():
                    record[name].append((cpu, wall))
                record["(outside the parts: WSGI, Flask, Socket.IO middleware)"].append(
                    ((t1 - t0) - inner_cpu, (w1 - w0) - inner_wall))
                record["= whole request"].append((t1 - t0, w1 - w0))
                record["process CPU beyond this thread (publisher)"].append(((p1 - p0) - (t1 - t0), 0.0))
    for step, record in per.items():
        print(f"\n{step}: median per request over {args.n} (us)")
        print(f"{'part':<62}{'thread CPU':>11}{'wall':>9}")
        for name, values in sorted(record.items(), key=lambda item: item[0].startswith(("=", "process"))):
            cpu = statistics.median(v[0] for v in values) * 1e6
            wall = statistics.median(v[1] for v in values) * 1e6
            print(f"{name:<62}{cpu:>11.0f}{wall:>9.0f}")
    import os

    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
