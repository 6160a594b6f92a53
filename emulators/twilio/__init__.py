"""The Twilio emulator: a small Flask app that plays Twilio for the demo and the tests (never production).

`create_emulator_app(config)` builds it; `EmulatorHttpClient` points the real twilio Client at it;
`driver.Phone` plays a citizen's phone from Python.
"""

from emulators.twilio.app import Emulator, create_emulator_app, emulator_of
from emulators.twilio.http_client import EmulatorHttpClient, forbid_real_twilio

__all__ = ["Emulator", "EmulatorHttpClient", "create_emulator_app", "emulator_of", "forbid_real_twilio"]
