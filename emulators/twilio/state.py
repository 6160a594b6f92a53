"""The emulator's in-memory world: settings, calls, queues, conferences, messages and the logs.

One process, many threads (a worker per call, the Flask request threads, the callback couriers):
every read-modify-write of shared records happens under `Store.lock`. Records are plain dataclasses.
"""

from __future__ import annotations

import queue
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

API_VERSION = "2010-04-01"
TRANSCRIPT_LIMIT = 600  # a caller left in the waitUrl loop for an hour must not eat the memory
DEMO_CITIZENS = ("+919810000001", "+919810000002", "+919810000003", "+919876543210")


def new_sid(prefix: str) -> str:
    """A Twilio-shaped sid: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def now() -> datetime:
    """The current time, timezone-aware UTC (what Twilio's dates are in)."""
    return datetime.now(UTC)


def rfc2822(moment: datetime | None) -> str | None:
    """A date the way Twilio's 2010 API writes it: 'Tue, 07 Aug 2012 22:57:41 +0000'."""
    return format_datetime(moment) if moment else None


@dataclass(frozen=True)
class Settings:
    """The emulator's configuration (the keys of `create_emulator_app(config)`)."""

    account_sid: str = "AC" + "0" * 32
    auth_token: str = "emulator-auth-token"
    phone_number: str = "+911800112233"
    app_base_url: str = "http://127.0.0.1:5000"
    app_connect_url: str | None = None
    voice_url: str = "/telephony/voice"
    voice_status_url: str | None = "/telephony/voice/status"
    sms_url: str = "/telephony/sms"
    sms_status_url: str | None = None
    agent_auto_answer: bool = True
    speed: float = 1.0
    wait_loop_seconds: float | None = None
    say_chars_per_second: float = 15.0
    play_seconds: float = 4.0
    callback_chaos: dict | None = None
    demo_citizens: tuple[str, ...] = DEMO_CITIZENS
    whatsapp_number: str | None = None  # the WhatsApp sender (E.164); default: the helpline number
    missed_call_number: str | None = None  # a second number the phone page offers for a missed call
    content_templates: dict | None = None  # ContentSid -> body with {{1}}..., to show a template as the phone would

    @property
    def whatsapp_sender(self) -> str:
        """The account's WhatsApp sender address, `whatsapp:+91...`."""
        return "whatsapp:" + (self.whatsapp_number or self.phone_number)

    @classmethod
    def from_config(cls, config: dict) -> Settings:
        """Read the upper-case config keys; unknown keys are left to Flask."""
        values = {}
        for name in cls.__dataclass_fields__:
            key = name.upper()
            if key in config:
                values[name] = config[key]
        if "demo_citizens" in values:
            values["demo_citizens"] = tuple(values["demo_citizens"])
        return cls(**values)

    def scaled(self, seconds: float) -> float:
        """Shrink a Twilio duration (Pause, Gather timeout, ringing) by SPEED for tests."""
        return max(0.0, float(seconds) * self.speed)

    def app_url(self, path: str | None) -> str | None:
        """An absolute URL on the app for a configured path (absolute URLs pass through)."""
        if not path:
            return None
        if "://" in path:
            return path
        return self.app_base_url.rstrip("/") + "/" + path.lstrip("/")


@dataclass
class Line:
    """One line of a call's transcript: what was said or pressed, where the caller went."""

    at: float
    kind: str
    text: str
    language: str | None = None
    voice: str | None = None

    def as_json(self) -> dict:
        """The line for the phone page and the driver."""
        return {"at": round(self.at, 3), "kind": self.kind, "text": self.text,
                "language": self.language, "voice": self.voice}


@dataclass
class Call:
    """One call leg: a citizen's phone, a desk phone or a browser client talking to Twilio."""

    sid: str
    from_: str
    to: str
    direction: str  # inbound | outbound-api | outbound-dial
    device: str  # which emulated device is on the far end: citizen | desk | client
    status: str = "queued"
    parent_call_sid: str | None = None
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    url: str | None = None
    method: str = "POST"
    twiml: str | None = None
    timeout: int = 60
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: tuple[str, ...] = ("completed",)
    sequence: int = 0
    chaos: dict | None = None
    queue_sid: str | None = None
    conference_sid: str | None = None
    join: dict | None = None  # for a Participants-create leg: which conference to enter on answer
    error: str | None = None
    detached: bool = False  # set by reset: the call ends without telling the app anything more
    started_clock: float = field(default_factory=time.monotonic)
    transcript: deque = field(default_factory=lambda: deque(maxlen=TRANSCRIPT_LIMIT))
    inbox: queue.Queue = field(default_factory=queue.Queue)

    @property
    def party(self) -> str:
        """The name of the emulated device on this leg (the citizen's number, client:x, a desk phone)."""
        return self.from_ if self.direction == "inbound" else self.to

    @property
    def ended(self) -> bool:
        """True once the call reached a final status."""
        return self.status in {"completed", "busy", "no-answer", "failed", "canceled"}

    def say(self, kind: str, text: str, language: str | None = None, voice: str | None = None) -> None:
        """Append a line to the transcript."""
        self.transcript.append(Line(time.monotonic() - self.started_clock, kind, text, language, voice))

    def duration(self) -> int:
        """Seconds since the call was answered (0 if it never was)."""
        if not self.answered_at:
            return 0
        return int(((self.ended_at or now()) - self.answered_at).total_seconds())


@dataclass
class Member:
    """A caller waiting in a queue."""

    call_sid: str
    enqueued: datetime = field(default_factory=now)

    def wait_time(self) -> int:
        """Seconds in the queue so far."""
        return int((now() - self.enqueued).total_seconds())


@dataclass
class Queue:
    """A named call queue (created by the first Enqueue or by Queues.json)."""

    sid: str
    friendly_name: str
    max_size: int = 1000
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    members: list[Member] = field(default_factory=list)

    def position(self, call_sid: str) -> int | None:
        """1-based position of the call, or None if it is not waiting here."""
        for index, member in enumerate(self.members):
            if member.call_sid == call_sid:
                return index + 1
        return None

    def average_wait(self) -> int:
        """Average wait of the callers waiting now, in seconds (what Twilio reports)."""
        if not self.members:
            return 0
        return int(sum(member.wait_time() for member in self.members) / len(self.members))


@dataclass
class Participant:
    """A call leg inside a conference."""

    call_sid: str
    label: str | None = None
    muted: bool = False
    hold: bool = False
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    status: str = "connected"
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    coaching: bool = False  # heard only by the leg in call_sid_to_coach (Twilio's whisper)
    call_sid_to_coach: str | None = None


@dataclass
class Conference:
    """A conference room; a new one (new sid) is made when the name is reused after it ended."""

    sid: str
    friendly_name: str
    status: str = "init"
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    participants: dict[str, Participant] = field(default_factory=dict)
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: tuple[str, ...] = ("start", "end")
    sequence: int = 0
    reason_ended: str | None = None
    call_sid_ending: str | None = None
    hidden: bool = False  # a two-party bridge made by <Dial><Number>; not listed by the REST API


@dataclass
class Message:
    """One SMS, either way."""

    sid: str
    from_: str
    to: str
    body: str
    direction: str  # inbound | outbound-api | outbound-reply
    status: str
    num_segments: int
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    date_sent: datetime | None = None
    status_callback: str | None = None
    messaging_service_sid: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    content_sid: str | None = None
    fail_with: tuple[int, str] | None = None  # a WhatsApp rule broken: fails after 'queued', as Twilio reports it

    @property
    def channel(self) -> str:
        """'whatsapp' for whatsapp: addresses, else 'sms'."""
        return "whatsapp" if self.to.startswith("whatsapp:") or self.from_.startswith("whatsapp:") else "sms"


class Store:
    """Every record, behind one re-entrant lock; bounded logs for requests and webhooks."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget everything (tests call this between cases)."""
        with self.lock:
            self.chaos: dict = dict(self.settings.callback_chaos or {})
            self.calls: dict[str, Call] = {}
            self.queues: dict[str, Queue] = {}
            self.conferences: dict[str, Conference] = {}
            self.messages: dict[str, Message] = {}
            self.opted_out: set[str] = set()
            self.whatsapp_last_inbound: dict[str, datetime] = {}  # number -> its last WhatsApp message to us
            self.citizens: dict[str, None] = dict.fromkeys(self.settings.demo_citizens)
            self.requests: deque = deque(maxlen=5000)
            self.webhooks: deque = deque(maxlen=5000)

    def queue_named(self, name: str) -> Queue | None:
        """The queue with this friendly name, if any."""
        return next((q for q in self.queues.values() if q.friendly_name == name), None)

    def live_conference(self, name: str) -> Conference | None:
        """The conference with this name that has not ended yet, if any."""
        return next((c for c in self.conferences.values()
                     if c.friendly_name == name and c.status != "completed"), None)

    def is_citizen(self, number: str) -> bool:
        """A number the phone page or the driver uses; any other +number is a staff desk phone."""
        return number in self.citizens

    def log_request(self, entry: dict) -> None:
        """Record one REST request and its validation result."""
        with self.lock:
            self.requests.append(entry)

    def log_webhook(self, entry: dict) -> None:
        """Record one request the emulator made to the app."""
        with self.lock:
            self.webhooks.append(entry)
