"""Requests from "Twilio" to the app: signed like Twilio signs them, logged, optionally chaotic.

TwiML fetches (voice URL, Gather action, waitUrl...) are synchronous: the call waits for its next
instructions. Status callbacks are posted by couriers in the background, in order per resource,
unless the chaos switch asks for duplicates and shuffled order (to test the app's idempotence).
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from twilio.request_validator import RequestValidator

from emulators.twilio.state import Settings, Store

log = logging.getLogger(__name__)
CONNECT_TIMEOUT, READ_TIMEOUT = 10, 15  # what Twilio allows a webhook (15 s in total)
LANE_IDLE_SECONDS = 10


@dataclass
class Reply:
    """What the app answered: status, body and content type, or the transport error."""

    status: int
    body: str
    content_type: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True for a 2xx answer that arrived."""
        return self.error is None and 200 <= self.status < 300


class WebhookSender:
    """Signs and sends one request to the app, and writes it into the webhook log."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.validator = RequestValidator(settings.auth_token)
        self._local = threading.local()  # one requests.Session per thread: sessions are not thread-safe

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def signature(self, url: str, params: dict) -> str:
        """X-Twilio-Signature for a request to `url` with these POST params."""
        return self.validator.compute_signature(url, params)

    def send(self, url: str, params: dict, method: str = "POST", kind: str = "webhook") -> Reply:
        """Request `url` the way Twilio does; never raises for HTTP or network failures."""
        method = (method or "POST").upper()
        params = {key: str(value) for key, value in params.items() if value is not None}
        if method == "GET":
            parts = urlsplit(url)
            query = "&".join(filter(None, [parts.query, urlencode(params)]))
            url = urlunsplit(parts._replace(query=query))
            signature, data = self.signature(url, {}), None
        else:
            signature, data = self.signature(url, params), params
        headers = {
            "X-Twilio-Signature": signature,
            "User-Agent": "TwilioProxy/1.1",
            "Accept": "*/*",
            "I-Twilio-Idempotency-Token": f"emulator-{time.monotonic_ns()}",
        }
        started = time.monotonic()
        try:
            response = self._session().request(
                method, self._connect_url(url), data=data, headers=headers,
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), allow_redirects=False,
            )
            reply = Reply(response.status_code, response.text, response.headers.get("Content-Type", ""))
        except requests.RequestException as exc:
            reply = Reply(0, "", "", error=f"{type(exc).__name__}: {exc}")
        self.store.log_webhook({
            "at": time.time(), "kind": kind, "method": method, "url": url, "params": params,
            "status": reply.status, "error": reply.error, "ms": round((time.monotonic() - started) * 1000, 1),
            "body": reply.body[:2000],
        })
        return reply

    def _connect_url(self, url: str) -> str:
        """Where to really connect: the signed URL, or APP_CONNECT_URL standing in for the app's base
        (the way a TLS-terminating proxy sits in front of the app's public address)."""
        base, connect = self.settings.app_base_url.rstrip("/"), self.settings.app_connect_url
        if connect and url.startswith(base):
            return connect.rstrip("/") + url[len(base):]
        return url


@dataclass
class _Delivery:
    url: str
    method: str
    params: dict
    kind: str


class Courier:
    """Posts status callbacks in the background: in order per channel (a call, message or conference).

    With chaos {"duplicate": True} every callback is sent twice; with {"shuffle": True} a channel's
    callbacks are held until its final one and then sent in a different order.
    """

    def __init__(self, sender: WebhookSender, store: Store, workers: int = 4) -> None:
        self.sender = sender
        self.store = store
        self.random = random.Random(int((store.chaos or {}).get("seed", 2010)))
        self.held: dict[str, list[_Delivery]] = {}
        # Lanes start a thread on first use and let it go when idle: the app's test suite builds an
        # emulator per test, and most never send a callback.
        self.lanes = [queue.Queue() for _ in range(workers)]
        self.threads: list[threading.Thread | None] = [None] * workers
        self.lane_lock = threading.Lock()
        self.idle = threading.Condition()
        self.pending = 0

    def post(self, channel: str, url: str | None, params: dict, method: str = "POST", *,
             final: bool = False, chaos: dict | None = None, kind: str = "status") -> None:
        """Queue one callback on `channel`; `final` marks the channel's last one (flushes held ones)."""
        chaos = self.store.chaos if chaos is None else chaos
        with self.store.lock:
            held = self.held.pop(channel, [])
            if url:
                held.append(_Delivery(url, method or "POST", dict(params), kind))
            if chaos.get("shuffle") and not final:
                self.held[channel] = held
                return
            batch = self._scramble(held) if chaos.get("shuffle") else held
            if chaos.get("duplicate"):
                batch = [item for item in batch for _ in (0, 1)]
        index = hash(channel) % len(self.lanes)
        for item in batch:
            with self.idle:
                self.pending += 1
            with self.lane_lock:
                self.lanes[index].put(item)
                if self.threads[index] is None:
                    self.threads[index] = threading.Thread(
                        target=self._work, args=(index,), name=f"emulator-courier-{index}", daemon=True)
                    self.threads[index].start()

    def _scramble(self, batch: list[_Delivery]) -> list[_Delivery]:
        """A different order than the one the events happened in (reversed if shuffling kept it)."""
        shuffled = list(batch)
        self.random.shuffle(shuffled)
        if len(shuffled) > 1 and shuffled == batch:
            shuffled.reverse()
        return shuffled

    def forget(self) -> None:
        """Drop held callbacks (on reset)."""
        with self.store.lock:
            self.held.clear()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued callback was sent (tests use it before asserting)."""
        deadline = time.monotonic() + timeout
        with self.idle:
            while self.pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.idle.wait(left)
        return True

    def _work(self, index: int) -> None:
        lane = self.lanes[index]
        while True:
            try:
                item = lane.get(timeout=LANE_IDLE_SECONDS)
            except queue.Empty:
                with self.lane_lock:
                    if lane.empty():
                        self.threads[index] = None
                        return
                continue
            try:
                self.sender.send(item.url, item.params, item.method, kind=item.kind)
            except Exception:  # a courier thread must survive a bad callback URL; the log says why
                log.exception("status callback to %s failed", item.url)
            finally:
                with self.idle:
                    self.pending -= 1
                    self.idle.notify_all()
