"""One citizen's call or text as Twilio would deliver it: signed webhooks, following the TwiML answers."""

from __future__ import annotations

import hashlib
import http.client
import random
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from crm.residents.cards import number as card_number
from emulators.twilio import twiml
from tests.telephony.twilio_sign import signature

ACCOUNT = "AC" + "0" * 32
HELPLINE = "+911800112233"
SLOW = 1.0  # seconds: a webhook answered later than this fails the burst
SMS_TEXTS = (
    ("en", "My father has chest pain and is sweating"), ("en", "Fever for three days, need a doctor"),
    ("en", "Can I get an appointment for my child's cough"), ("en", "She fainted and is not breathing well"),
    ("hi", "पापा को सीने में दर्द है"), ("hi", "तीन दिन से बुखार है, डॉक्टर से बात करनी है"),
    ("hi", "बच्चे को खांसी है, अपॉइंटमेंट चाहिए"), ("hi", "मां बेहोश हो गई हैं"),
    ("hi", "papa ko seene me dard hai"), ("en", "Need to renew my diabetes medicines"),
)


@dataclass
class Step:
    """One webhook: which step, how long its answer took, and whether it was good TwiML in time."""

    name: str
    seconds: float
    ok: bool
    detail: str = ""
    sent: float = 0.0  # wall-clock time it was sent (time.time()), to see when in the burst it was slow


@dataclass
class Plan:
    """What this caller will do, decided up front so a run is reproducible from its seed."""

    sid: str
    phone: str
    emergency: bool
    language_key: str
    card: str
    hang_up_early: bool
    wait_loops: int
    leave_after: float  # seconds after the release: the remaining callers leave spread out, not as one wave


@dataclass
class Ledger:
    """Everything the burst saw, shared by all callers (thread-safe appends)."""

    steps: list[Step] = field(default_factory=list)
    enqueued: dict[str, str] = field(default_factory=dict)  # call sid -> queue name
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, step: Step) -> None:
        """Record one webhook."""
        with self.lock:
            self.steps.append(step)


# The keep-alive connections a load process keeps idle to one web instance, and for how long: a front end's upstream
# pool (nginx's `keepalive 16` for one server in its documentation's example; `keepalive_timeout` 60 s by default,
# under gunicorn.conf.py's 75 s, so the server never closes one as it is reused). Four load processes: at most 64.
POOL = 16
IDLE = 60.0


class Twilio:
    """Posts webhooks as Twilio does: to `target` (a web instance), signed over the public URL.

    Plain http.client (the generator shares the machine with the servers it measures, so it spends as little CPU per
    request as it can), over keep-alive connections the caller threads of one load process share, as a front end
    shares its connections to the web process: a thread takes the most recently used idle connection (or opens one if
    none is idle) for one request and puts it back after; at most POOL stay idle, for at most IDLE seconds. No
    connection belongs to a call, so a caller waiting in the queue holds none between its requests. (Twilio documents
    a connect timeout per webhook request, not how it reuses connections; nothing it says keeps one open per call.)
    """

    def __init__(self, target: str, public: str, token: str, ledger: Ledger) -> None:
        self.target, self.public, self.token, self.ledger = target.rstrip("/"), public.rstrip("/"), token, ledger
        self.address = (urlsplit(self.target).hostname, urlsplit(self.target).port or 80)
        self.idle: list[tuple[http.client.HTTPConnection, float]] = []  # (connection, put back at): newest last
        self.lock = threading.Lock()

    def _take(self) -> http.client.HTTPConnection:
        stale = []
        with self.lock:
            while self.idle:
                connection, since = self.idle.pop()
                if time.monotonic() - since < IDLE:
                    break
                stale.append(connection)
            else:
                connection = None
        for old in stale:
            old.close()
        return connection if connection is not None else http.client.HTTPConnection(*self.address, timeout=15)

    def _give_back(self, connection: http.client.HTTPConnection) -> None:
        with self.lock:
            if len(self.idle) < POOL:
                self.idle.append((connection, time.monotonic()))
                return
        connection.close()

    def _send(self, path: str, body: bytes, headers: dict) -> tuple[int, str, str]:
        connection = self._take()
        for attempt in (1, 2):
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.status, response.read().decode(), response.getheader("Content-Type", "")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                if attempt == 2:  # a kept-alive connection closed by the server is retried once, as clients do
                    raise
                connection = http.client.HTTPConnection(*self.address, timeout=15)
                continue
            except BaseException:
                connection.close()  # half a request or answer on it: never reused
                raise
            self._give_back(connection)  # one the server asked to close reconnects on its next request
            return answer
        raise AssertionError("unreachable")

    def post(self, step: str, url: str, params: dict, messaging: bool = False) -> twiml.Document | None:
        """POST `params` to `url` (absolute on the public base, or a path); returns the parsed TwiML."""
        path = url[len(self.public):] if url.startswith(self.public) else urlsplit(url)._replace(scheme="", netloc="").geturl()
        headers = {"X-Twilio-Signature": signature(self.public + path, params, self.token),
                   "Content-Type": "application/x-www-form-urlencoded"}
        body = urlencode(params).encode()
        sent, began = time.time(), time.perf_counter()
        try:
            status, text, content_type = self._send(path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            self.ledger.add(Step(step, time.perf_counter() - began, False, f"no answer: {exc!r}", sent))
            return None
        seconds = time.perf_counter() - began
        if step == "status":  # Twilio ignores what a status callback answers; only its status and time count
            ok = status < 300 and seconds < SLOW
            self.ledger.add(Step(step, seconds, ok, "" if ok else f"{status} in {seconds:.2f} s", sent))
            return None
        try:
            document = twiml.parse(text, self.public + path, content_type, messaging=messaging)
        except twiml.TwimlError as exc:
            self.ledger.add(Step(step, seconds, False, f"{status}: {exc}", sent))
            return None
        ok = status == 200 and seconds < SLOW
        self.ledger.add(Step(step, seconds, ok, "" if ok else f"{status} in {seconds:.2f} s", sent))
        return document


def plan_call(rng: random.Random, number: int, emergency_share: float, hangup_share: float) -> Plan:
    """A caller: 10% press 9, half of the rest English; a third type a card number; 20% hang up early."""
    body = f"{rng.randint(10**10, 10**11 - 1)}"
    return Plan(
        sid=f"CA{rng.getrandbits(128):032x}", phone=f"+9170{number:08d}", emergency=rng.random() < emergency_share,
        language_key=rng.choice("12"), card=(body + card_number.check_digit(body)) if rng.random() < 0.33 else "",
        hang_up_early=rng.random() < hangup_share, wait_loops=rng.randint(1, 3), leave_after=rng.uniform(0, 10),
    )


def _first(document: twiml.Document | None, verb: str) -> twiml.Verb | None:
    for node in (document.verbs if document else []):
        if node.name == verb:
            return node
    return None


def call(twilio: Twilio, plan: Plan, think: float, wait_gap: float, release: threading.Event) -> None:
    """Play one call from ringing to hang-up, following the app's TwiML like Twilio would."""
    base = {"AccountSid": ACCOUNT, "CallSid": plan.sid, "From": plan.phone, "To": HELPLINE, "Caller": plan.phone,
            "Called": HELPLINE, "Direction": "inbound", "ApiVersion": "2010-04-01"}
    answer = twilio.post("voice", "/telephony/voice", base | {"CallStatus": "ringing"})
    gather = _first(answer, "Gather")
    if gather is None:
        return
    time.sleep(think)
    live = base | {"CallStatus": "in-progress"}
    answer = twilio.post("menu", answer.resolve(gather.get("action")), live | {"Digits": "9" if plan.emergency else plan.language_key})
    gather = _first(answer, "Gather")
    if gather is not None:  # the card prompt
        time.sleep(think)
        answer = twilio.post("card", answer.resolve(gather.get("action")), live | {"Digits": plan.card})
    enqueue = _first(answer, "Enqueue")
    if enqueue is None:
        return
    queue, began = enqueue.text, time.monotonic()
    queue_sid = "QU" + hashlib.md5(queue.encode()).hexdigest()
    with twilio.ledger.lock:
        twilio.ledger.enqueued[plan.sid] = queue
    wait_url, action = answer.resolve(enqueue.get("waitUrl")), answer.resolve(enqueue.get("action"))
    loops = 0
    while not release.is_set():
        waited = int(time.monotonic() - began)
        twilio.post("wait", wait_url, live | {"QueueSid": queue_sid, "QueuePosition": "1", "QueueTime": str(waited),
                                              "AvgQueueTime": "30", "CurrentQueueSize": "1"})
        loops += 1
        if (plan.hang_up_early and loops >= plan.wait_loops) or release.wait(wait_gap):
            break
    if release.is_set():
        time.sleep(plan.leave_after)
    waited = int(time.monotonic() - began)
    twilio.post("queue-result", action, base | {"CallStatus": "completed", "QueueResult": "hangup",
                                                "QueueTime": str(waited), "QueueSid": queue_sid})
    twilio.post("status", "/telephony/voice/status", base | {"CallStatus": "completed", "CallDuration": str(waited + 10),
                                                             "SequenceNumber": "3", "Timestamp": ""})


def text(twilio: Twilio, rng: random.Random, number: int) -> str:
    """One inbound SMS in Hindi or English; returns its MessageSid."""
    _language, body = rng.choice(SMS_TEXTS)
    sid = f"SM{rng.getrandbits(128):032x}"
    twilio.post("sms", "/telephony/sms", {"AccountSid": ACCOUNT, "MessageSid": sid, "From": f"+9171{number:08d}",
                                          "To": HELPLINE, "Body": body, "NumMedia": "0", "NumSegments": "1"},
                messaging=True)
    return sid


def load_process(share: dict, release, results) -> None:
    """One load process: its calls and texts, each on a thread started at its time; reports what it saw."""
    ledger = Ledger()
    twilios = [Twilio(base, share["public"], share["token"], ledger) for base in share["bases"]]
    flag, texts, last_start = threading.Event(), {}, share["started"]
    threading.Thread(target=lambda: (release.wait(), flag.set()), daemon=True).start()

    def send_text(j: int, seed: float) -> None:
        texts[j] = text(twilios[j % len(twilios)], random.Random(seed), j)

    starts = sorted([(at, "call", i, plan) for i, at, plan in share["calls"]] +
                    [(at, "text", j, seed) for j, at, seed in share["texts"]], key=lambda item: item[:3])
    threads = []
    for at, kind, number, what in starts:  # open loop: each starts at its time, answered or not
        time.sleep(max(0.0, share["started"] + at - time.time()))
        last_start = max(last_start, time.time())
        if kind == "call":  # calls are spread over the instances as a round-robin balancer would
            target = (twilios[number % len(twilios)], what, share["think"], share["wait_gap"], flag)
            thread = threading.Thread(target=call, args=target, daemon=True)
        else:
            thread = threading.Thread(target=send_text, args=(number, what), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    results.put({"steps": [(s.name, s.seconds, s.ok, s.detail, s.sent) for s in ledger.steps],
                 "enqueued": dict(ledger.enqueued), "texts": texts, "last_start": last_start})
