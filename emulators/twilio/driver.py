"""A small client of the emulator's JSON API, for tests and benchmarks: a citizen and their phone.

    phone = Phone("http://127.0.0.1:5000/emulator", "+919810000001")
    call = phone.call()
    call.wait_for("Press 1")
    call.press("1")
    call.wait_for(lambda c: c["queue"] and c["queue"]["position"] == 1)
"""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

POLL = 0.05


class EmulatorError(RuntimeError):
    """The emulator refused a driver request."""


class _Api:
    def __init__(self, base_url: str, session: requests.Session | None = None) -> None:
        self.base = base_url.rstrip("/") + "/emulator-api"
        self.session = session or requests.Session()

    def get(self, path: str, **params) -> dict | list:
        response = self.session.get(self.base + path, params=params, timeout=10)
        return self._json(response)

    def post(self, path: str, body: dict | None = None) -> dict:
        response = self.session.post(self.base + path, json=body or {}, timeout=10)
        return self._json(response)

    @staticmethod
    def _json(response: requests.Response):
        if response.status_code >= 400:
            raise EmulatorError(f"{response.request.method} {response.url}: {response.status_code} {response.text}")
        return response.json()


def _until(fetch: Callable[[], object], test: Callable[[object], bool], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if test(value):
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"gave up after {timeout} s waiting for {what}; last seen:\n{_describe(value)}")
        time.sleep(POLL)


def _describe(value: object) -> str:
    if isinstance(value, dict) and "transcript" in value:
        lines = [f"  [{line['kind']}] {line['text']}" for line in value["transcript"]]
        return f"status={value['status']} where={value['where']}\n" + "\n".join(lines)
    return repr(value)[:2000]


class CallHandle:
    """One call as the citizen (or a staff leg) sees it."""

    def __init__(self, api: _Api, sid: str) -> None:
        self.api, self.sid = api, sid

    def view(self) -> dict:
        """The whole call: status, where, queue, conference, transcript."""
        return self.api.get(f"/calls/{self.sid}")

    @property
    def transcript(self) -> list[str]:
        """The transcript lines' texts."""
        return [line["text"] for line in self.view()["transcript"]]

    @property
    def status(self) -> str:
        """Twilio's call status (ringing, in-progress, completed, ...)."""
        return self.view()["status"]

    @property
    def queue(self) -> dict | None:
        """{sid, name, position, size} while waiting in a queue."""
        return self.view()["queue"]

    @property
    def conference(self) -> dict | None:
        """{sid, name, status, members} while in a conference."""
        return self.view()["conference"]

    def press(self, digits: str) -> None:
        """Press keys."""
        self.api.post(f"/calls/{self.sid}/digits", {"digits": digits})

    def say(self, text: str) -> None:
        """Speak into a speech Gather."""
        self.api.post(f"/calls/{self.sid}/speech", {"text": text})

    def talk(self, text: str) -> list[str]:
        """Speak in the call's conference; returns who heard it (muted and coaching legs reach fewer)."""
        return self.api.post(f"/calls/{self.sid}/talk", {"text": text})["heard_by"]

    def hang_up(self) -> None:
        """Hang up."""
        self.api.post(f"/calls/{self.sid}/hangup")

    def answer(self) -> None:
        """Pick up a ringing call-back."""
        self.api.post(f"/calls/{self.sid}/answer")

    def decline(self) -> None:
        """Refuse a ringing call-back."""
        self.api.post(f"/calls/{self.sid}/decline")

    def wait_for(self, expected: str | Callable[[dict], bool], timeout: float = 5) -> dict:
        """Poll until a transcript line contains `expected` (or `expected(view)` is true); returns the view."""
        if isinstance(expected, str):
            def test(view: dict) -> bool:
                return any(expected in line["text"] for line in view["transcript"])
            what = repr(expected)
        else:
            test, what = expected, getattr(expected, "__name__", "the condition")
        return _until(self.view, test, timeout, what)

    def wait_until_ended(self, timeout: float = 5) -> dict:
        """Poll until the call has a final status."""
        final = {"completed", "busy", "no-answer", "failed", "canceled"}
        return _until(self.view, lambda v: v["status"] in final, timeout, "the end of the call")


class Phone:
    """A citizen's phone on the emulator at `emulator_base_url` (the URL of the emulator's index)."""

    def __init__(self, emulator_base_url: str, number: str, session: requests.Session | None = None) -> None:
        self.api = _Api(emulator_base_url, session)
        self.number = number
        self.api.post("/phones", {"number": number})

    def call(self, to: str | None = None, chaos: dict | None = None) -> CallHandle:
        """Dial the helpline (or `to`); `chaos` = {"duplicate": .., "shuffle": ..} for this call's callbacks."""
        body = {"from": self.number, "to": to} | ({"chaos": chaos} if chaos else {})
        return CallHandle(self.api, self.api.post("/calls", body)["sid"])

    def text(self, body: str) -> str:
        """Send an SMS to the helpline; returns its MessageSid."""
        return self.api.post("/sms", {"from": self.number, "body": body})["sid"]

    def thread(self) -> list[dict]:
        """This phone's SMS thread, oldest first."""
        return self.api.get("/sms", number=self.number)

    def wait_for_text(self, expected: str | Callable[[dict], bool], timeout: float = 5) -> dict:
        """Poll until a message in the thread contains `expected` (or matches it); returns that message."""
        test = (lambda m: expected in m["body"]) if isinstance(expected, str) else expected
        thread = _until(self.thread, lambda t: any(test(m) for m in t), timeout, f"a text {expected!r}")
        return next(m for m in thread if test(m))

    def wait_for_incoming_call(self, timeout: float = 5) -> CallHandle:
        """Poll until a call-back rings this phone; returns it (answer() or decline() it)."""
        state = _until(lambda: self.api.get("/state", number=self.number), lambda s: bool(s["incoming"]),
                       timeout, f"an incoming call to {self.number}")
        return CallHandle(self.api, state["incoming"][0]["sid"])


class EmulatorControl:
    """The emulator-wide switches tests use: reset, chaos, logs, settle."""

    def __init__(self, emulator_base_url: str) -> None:
        self.api = _Api(emulator_base_url)

    def reset(self) -> None:
        """Forget every call, message and log."""
        self.api.post("/reset")

    def chaos(self, duplicate: bool = False, shuffle: bool = False) -> None:
        """Duplicate and/or shuffle every status callback from now on."""
        self.api.post("/chaos", {"duplicate": duplicate, "shuffle": shuffle})

    def requests(self, invalid_only: bool = False) -> list[dict]:
        """The REST request log."""
        return self.api.get("/requests", **({"invalid": "1"} if invalid_only else {}))

    def webhooks(self, kind: str | None = None) -> list[dict]:
        """The webhook log."""
        return self.api.get("/webhooks", **({"kind": kind} if kind else {}))

    def settle(self, timeout: float = 5) -> bool:
        """Wait until every status callback went out."""
        return self.api.session.post(f"{self.api.base}/settle", params={"timeout": timeout}, timeout=timeout + 5
                                     ).json()["idle"]
