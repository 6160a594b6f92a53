"""An http client for the real twilio Client that talks to the emulator instead of api.twilio.com.

    Client(sid, token, http_client=EmulatorHttpClient("http://127.0.0.1:5000/emulator"))

sends every REST call, unchanged but for scheme and host, to the emulator. `forbid_real_twilio()`
makes any other TwilioHttpClient request fail loudly, so a test can never reach the real Twilio.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

REAL_HOST_SUFFIX = "twilio.com"


class RealTwilioForbidden(AssertionError):
    """Something tried to call the real Twilio API from a test or the demo."""


class EmulatorHttpClient(TwilioHttpClient):
    """A TwilioHttpClient whose requests go to `base_url` (which may carry a path prefix)."""

    def __init__(self, base_url: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def rewrite(self, url: str) -> str:
        """https://api.twilio.com/2010-04-01/... -> {base_url}/2010-04-01/..."""
        parts = urlsplit(url)
        tail = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.base_url + tail

    def request(self, method: str, url: str, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False) -> Response:
        """Send the request to the emulator."""
        return super().request(method, self.rewrite(url), params=params, data=data, headers=headers,
                               auth=auth, timeout=timeout, allow_redirects=allow_redirects)


_original_request = TwilioHttpClient.request


def _guarded_request(self, method, url, *args, **kwargs):
    host = urlsplit(url).hostname or ""
    if host == REAL_HOST_SUFFIX or host.endswith("." + REAL_HOST_SUFFIX):
        raise RealTwilioForbidden(
            f"{method} {url}: a test or the demo tried to reach the real Twilio API. "
            "Use twilio.rest.Client(..., http_client=EmulatorHttpClient(emulator_url)).")
    return _original_request(self, method, url, *args, **kwargs)


def forbid_real_twilio(monkeypatch=None) -> None:
    """Make every request to *.twilio.com raise RealTwilioForbidden (pytest: pass `monkeypatch` to undo)."""
    if monkeypatch is not None:
        monkeypatch.setattr(TwilioHttpClient, "request", _guarded_request)
    else:
        TwilioHttpClient.request = _guarded_request


def allow_real_twilio() -> None:
    """Undo `forbid_real_twilio()` when it was installed without monkeypatch."""
    TwilioHttpClient.request = _original_request
