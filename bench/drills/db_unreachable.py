"""Drill: PostgreSQL unreachable mid-burst; the fallback URLs answer, keep every contact, and the sweep brings them in.

    python -m bench.drills.db_unreachable --texts 60 --calls 40 --seconds 30 --down 10

The app (threads, the emulator mounted, its sweep thread every 2 s, jobs on a redis-server of its own) reaches
a fresh PostgreSQL database through a TCP relay of the drill's own; the shared server is never touched. A third
into the burst the relay cuts every connection and refuses new ones for --down seconds. Texts (a fifth red
flags) and calls (incoming, then the menu: a tenth press 9) arrive signed as Twilio sends them; like Twilio the
driver posts a failed request once to the fallback URL. When the sweep has read the fallback file back (or
--settle seconds pass) it reports, from the database: lost (a contact with no row), emergencies (a red-flag text
or a pressed 9) not with the doctors, fallback callers not on the call-back list, duplicated replies at Twilio,
late (stored more than 60 s after the database returned), what the fallback answered, and how many texts the
fallback kept that the primary webhook had stored after all (read back as repeats: before the fix of issue 34's
second pass such a repeat undid the callers read back before it). Any caller not kept as promised is printed with
its case's state and timeline.
"""

from __future__ import annotations

import argparse
import random
import re
import socket
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from twilio.request_validator import RequestValidator

from bench.drills.sms_outage import PG, RED, ROUTINE, Redis, fresh_database, serve, start_worker

MENU = re.compile(r'action="([^"]*/voice/menu[^"]*)"')


class Relay:
    """A TCP relay to PostgreSQL that can be cut (every connection closed, new ones refused) and restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, 0
        self.listener: socket.socket | None = None
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()

    def start(self) -> None:
        """Listen (on the same port again after a cut)."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port, self.listener = listener.getsockname()[1], listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """The database is unreachable: nothing listens, every connection is gone."""
        self.listener.close()
        with self.lock:
            for sock in self.open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.open |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.close()
                except OSError:
                    pass


class Twilio:
    """Signed webhooks to the app; a failed one (5xx, no answer) goes once to the fallback URL."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.validator = base, RequestValidator(token)
        self.answered = Counter()
        self.fallback_asked = {}  # (sid, step) -> when the primary had failed and the fallback URL was asked
        self.answered_by = {}  # (sid, step) -> 'primary' or 'fallback': which URL answered

    def post(self, path: str, params: dict, fallback: str | None = None) -> str:
        from crm.models.base import utcnow

        tries = ((path, "primary"), (fallback, "fallback")) if fallback else ((path, "primary"),)
        for where, label in tries:
            if label == "fallback":
                sid = params.get("MessageSid") or params.get("CallSid")
                self.fallback_asked[sid, path.split("?")[0].rsplit("/", 1)[-1]] = utcnow()
            signature = self.validator.compute_signature(self.base + where, params)
            try:
                answer = requests.post(self.base + where, data=params, timeout=15,
                                       headers={"X-Twilio-Signature": signature})
                if answer.status_code < 500:
                    self.answered[f"{path.split('?')[0].rsplit('/', 1)[-1]} {label}"] += 1
                    self.answered_by[params.get("MessageSid") or params.get("CallSid"),
                                     path.split("?")[0].rsplit("/", 1)[-1]] = label
                    return answer.text
            except requests.RequestException:
                pass
        self.answered[f"{path.split('?')[0].rsplit('/', 1)[-1]} lost"] += 1
        return ""


def one_text(twilio: Twilio, n: int, red: bool, rng: random.Random) -> dict:
    params = {"MessageSid": f"SM{n:032x}", "AccountSid": "AC" + "0" * 32, "From": f"+9195{n:08d}",
              "To": "+911800112233", "Body": rng.choice(RED if red else ROUTINE), "NumSegments": "1"}
    twiml = twilio.post("/telephony/sms", params, "/telephony/sms/fallback")
    return {"sid": params["MessageSid"], "red": red, "advised": "112" in twiml}


def one_call(twilio: Twilio, n: int, emergency: bool) -> dict:
    params = {"CallSid": f"CA{n:032x}", "AccountSid": "AC" + "0" * 32, "From": f"+9194{n:08d}",
              "To": "+911800112233", "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
    twiml = twilio.post("/telephony/voice", params, "/telephony/voice/fallback")
    # Which URL answered, not what the answer says: a TwiML of the primary names the case in its URLs, and the
    # case numbered 108 (the ambulance number the fallback speaks) was once counted as a fallback caller.
    fell_back = twilio.answered_by.get((params["CallSid"], "voice")) == "fallback"
    found = MENU.search(twiml)
    if found:
        path = found.group(1).replace("&amp;", "&").removeprefix(twilio.base)
        menu = params | {"CallStatus": "in-progress", "Digits": "9" if emergency else "2"}
        twiml = twilio.post(path, menu, "/telephony/voice/fallback")
        fell_back = fell_back or twilio.answered_by.get((params["CallSid"], "menu")) == "fallback"
    else:
        emergency = False  # the caller never heard the menu (the fallback answered the call itself)
    # The call ends a second later (Twilio has no fallback for status callbacks: one lost stays lost).
    time.sleep(1)
    twilio.post("/telephony/voice/status", params | {"CallStatus": "completed", "CallDuration": "30",
                                                     "SequenceNumber": "9"})
    return {"sid": params["CallSid"], "emergency": emergency, "fell_back": fell_back}


def ledger(app, texts: list[dict], calls: list[dict], returned_at, twilio: Twilio) -> dict:
    from sqlalchemy import select

    from crm.models import Call, CaseEvent, Message
    from crm.platform.extensions import db

    with app.app_context():
        stored = {m.sid: m for m in db.session.scalars(select(Message).where(Message.direction == "inbound"))}
        legs = {c.sid: c for c in db.session.scalars(select(Call))}
        # A contact read back after the call's end had closed its case holds the promise (and a pressed 9) in a
        # follow-up case.
        follow_up = {e.detail.get("of_case"): e.case for e in db.session.scalars(
            select(CaseEvent).where(CaseEvent.kind == "follow_up")) if e.detail}

        def promised(case) -> bool:
            return case.callback_requested_at is not None or (
                case.id in follow_up and follow_up[case.id].callback_requested_at is not None)

        def with_the_doctors(case) -> bool:
            return case.queue == "emergency" or (case.id in follow_up and follow_up[case.id].queue == "emergency")

        red_missing = sum(1 for t in texts if t["red"] and (t["sid"] not in stored
                                                            or stored[t["sid"]].case.queue != "emergency"))
        urgent_missing = sum(1 for c in calls if c["emergency"] and (c["sid"] not in legs
                                                                     or not with_the_doctors(legs[c["sid"]].case)))
        no_callback = sum(1 for c in calls if c["fell_back"] and c["sid"] in legs and not promised(legs[c["sid"]].case))
        asked = twilio.fallback_asked
        # The primary stored the text, then failed (or was too slow): the fallback kept it too, read back as a repeat.
        stored_twice_over = sum(1 for t in texts if (t["sid"], "sms") in asked and t["sid"] in stored
                                and stored[t["sid"]].created_at < asked[t["sid"], "sms"])
        for c in calls:  # what a failure looked like, for whoever reads the ledger (the database is dropped next)
            case = legs[c["sid"]].case if c["sid"] in legs else None
            if case is not None and ((c["emergency"] and not with_the_doctors(case))
                                     or (c["fell_back"] and not promised(case))):
                print(f"not kept as promised: {c} case {case.id} {case.status} {case.queue} "
                      f"call-back {case.callback_requested_at} timeline {[e.kind for e in case.events]}")
        late = sum(1 for m in stored.values() if returned_at and (m.created_at - returned_at).total_seconds() > 60)
        store = app.extensions["sampark_emulator"].extensions["twilio_emulator"].store
        with store.lock:
            bodies = Counter((m.to, m.body) for m in store.messages.values() if m.direction == "outbound-api")
        db.session.remove()
    lost = sum(1 for t in texts if t["sid"] not in stored) + sum(1 for c in calls if c["sid"] not in legs)
    return {"texts": len(texts), "calls": len(calls), "answered": dict(twilio.answered), "lost": lost,
            "emergencies not with the doctors": red_missing + urgent_missing,
            "fallback callers without a call-back": no_callback,
            "call-backs held by a follow-up case (the call had ended first)": len(follow_up),
            "red-flag texts advised at once (fallback)": sum(1 for t in texts if t["red"] and t["advised"]),
            "texts the fallback kept that the primary had stored": stored_twice_over,
            "duplicated at Twilio": sum(c - 1 for c in bodies.values() if c > 1), "late": late}


def main(argv: list[str] | None = None) -> dict:
    """Run the drill; print and return its ledger."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=60)
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--down", type=float, default=10)
    parser.add_argument("--settle", type=float, default=90)
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="drill-db-")
    redis = Redis(workdir)
    redis.start()
    database = fresh_database()
    host, port = PG.split("@", 1)[1].split("/", 1)[0].split(":")
    relay = Relay((host, int(port)))
    relay.start()
    through = database.replace(f"{host}:{port}", f"127.0.0.1:{relay.port}")
    app, base, server = serve(through, redis.url, INSTANCE_PATH=str(Path(workdir) / "instance"))
    worker = start_worker(through, redis.url, base, Path(workdir) / "worker.log")
    twilio, rng = Twilio(base, app.config["TWILIO_AUTH_TOKEN"]), random.Random(34)
    returned = {}

    def outage() -> None:
        time.sleep(args.seconds / 3)
        relay.cut()
        time.sleep(args.down)
        relay.start()
        from crm.models.base import utcnow

        returned["at"] = utcnow()

    threading.Thread(target=outage, daemon=True).start()
    kinds = ["text"] * args.texts + ["call"] * args.calls
    rng.shuffle(kinds)
    total, started = len(kinds), time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = []
        for n, kind in enumerate(kinds):
            if kind == "text":
                futures.append((kind, pool.submit(one_text, twilio, n, rng.random() < 0.2, random.Random(n))))
            else:
                futures.append((kind, pool.submit(one_call, twilio, n, rng.random() < 0.1)))
            time.sleep(max(0.0, started + (n + 1) * args.seconds / total - time.monotonic()))
        texts = [f.result() for kind, f in futures if kind == "text"]
        calls = [f.result() for kind, f in futures if kind == "call"]
    kept = Path(workdir) / "instance" / "fallback-contacts.jsonl"
    deadline = time.monotonic() + args.settle
    while time.monotonic() < deadline and (kept.exists() or list(kept.parent.glob("*.replaying"))):
        time.sleep(1)
    time.sleep(3)
    found = ledger(app, texts, calls, returned.get("at"), twilio)
    for key, value in found.items():
        print(f"{key}: {value}")
    worker.terminate()
    app.extensions.setdefault("sampark_sweeper_stop", threading.Event()).set()  # (all.py: the next drill follows)
    server.shutdown()
    redis.kill()
    return found


if __name__ == "__main__":
    main()
