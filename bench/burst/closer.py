"""Staff who answer the texts of a steady load: each text case is taken and closed a bounded time after it opened.

For the memory benchmark's steady mode (bench.burst_memory --steady): callers hang up after a bounded wait, and
texts are answered, so the number of open contacts stays level after warm-up. An operator claims each waiting tier-1
text case and resolves it with a disposition and advice; a doctor accepts each emergency text case and completes it.
All through the web process's own API (/api/v1) with bearer tokens, as the desks would; which cases are due is read
from the database (cases opened by a text more than `hold` seconds ago and still open).
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from urllib.parse import urlsplit

import psycopg

DUE = """SELECT id, queue, status FROM "case"
         WHERE channel = 'sms' AND status IN ('queued', 'escalated', 'in_progress', 'with_doctor')
           AND created_at < now() - make_interval(secs => %s) ORDER BY id LIMIT 200"""


class Closer(threading.Thread):
    """Every `every` seconds, answers and closes the text cases that have been open for more than `hold` seconds."""

    def __init__(self, base: str, database_url: str, operator_token: str, doctor_token: str,
                 hold: float = 30.0, every: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.database_url, self.hold, self.every = database_url, hold, every
        self.address = (urlsplit(base).hostname, urlsplit(base).port or 80)
        self.tokens = {"operator": operator_token, "doctor": doctor_token}
        self.stop = threading.Event()
        self.done: Counter = Counter()  # "resolved", "completed", or "<path>: <status>" for a refusal

    def run(self) -> None:
        connection = http.client.HTTPConnection(*self.address, timeout=15)
        while not self.stop.wait(self.every):
            try:
                with psycopg.connect(self.database_url) as conn:
                    due = conn.execute(DUE, (self.hold,)).fetchall()
                for case_id, queue, status in due:
                    if queue == "emergency" or status in ("escalated", "with_doctor"):
                        self._doctor(connection, case_id, status)
                    else:
                        self._operator(connection, case_id, status)
            except (OSError, http.client.HTTPException, psycopg.Error) as exc:
                self.done[f"error: {type(exc).__name__}"] += 1
                connection.close()
                connection = http.client.HTTPConnection(*self.address, timeout=15)

    def _operator(self, connection, case_id: int, status: str) -> None:
        if status == "queued" and not self._post(connection, "operator", f"/api/v1/cases/{case_id}/claim", {}):
            return
        if self._post(connection, "operator", f"/api/v1/cases/{case_id}/resolve",
                      {"disposition": "clinic_info", "advice": "Clinic timings sent by SMS."}):
            self.done["resolved"] += 1

    def _doctor(self, connection, case_id: int, status: str) -> None:
        if status != "with_doctor" and not self._post(connection, "doctor", f"/api/v1/cases/{case_id}/accept", {}):
            return
        if self._post(connection, "doctor", f"/api/v1/cases/{case_id}/complete",
                      {"advice": "Go to the nearest emergency; 108 called.", "not_an_emergency": False}):
            self.done["completed"] += 1

    def _post(self, connection, who: str, path: str, data: dict) -> bool:
        connection.request("POST", path, body=json.dumps(data), headers={
            "Authorization": f"Bearer {self.tokens[who]}", "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status >= 300:
            self.done[f"{path.rsplit('/', 1)[1]}: {response.status}"] += 1
        return response.status < 300
