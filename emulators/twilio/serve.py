"""The emulator as its own server (`gunicorn emulators.twilio.serve:app`), for a topology of several
web processes that must all reach the same emulated Twilio account (deploy/supervisord-emulator.conf).

Settings from the environment: PUBLIC_BASE_URL (where webhooks go, signed as such), TWILIO_ACCOUNT_SID,
TWILIO_AUTH_TOKEN, TWILIO_PHONE_NUMBER (the app's emulator defaults), EMULATOR_SPEED.
"""

from __future__ import annotations

import os

from crm.config import EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN
from emulators.twilio.app import create_emulator_app

app = create_emulator_app({
    "ACCOUNT_SID": os.environ.get("TWILIO_ACCOUNT_SID", EMULATOR_ACCOUNT_SID),
    "AUTH_TOKEN": os.environ.get("TWILIO_AUTH_TOKEN", EMULATOR_AUTH_TOKEN),
    "PHONE_NUMBER": os.environ.get("TWILIO_PHONE_NUMBER", "+911800112233"),
    "APP_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8001"),
    "SPEED": float(os.environ.get("EMULATOR_SPEED", "1.0")),
})
