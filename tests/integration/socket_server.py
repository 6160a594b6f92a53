"""One Sampark web process for the multi-process socket tests: `python -m tests.integration.socket_server PORT`.

Settings come from the environment (DATABASE_URL, REDIS_URL, PUBLIC_BASE_URL, SECRET_KEY, INSTANCE_PATH), as
in production; SMS jobs are held so nothing tries to reach Twilio, and CSRF is off for the HTTP client.
"""

from __future__ import annotations

import os
import sys

from crm import create_app
from crm.platform.extensions import socketio


def main(port: int) -> None:
    """Serve the app with Flask-SocketIO's threading server, joined to the others through Redis."""
    app = create_app({
        "SAMPARK_ENV": "testing", "TESTING": True, "INSTANCE_PATH": os.environ["INSTANCE_PATH"],
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "JOBS_HOLD": True, "EMULATOR_MOUNT": False,
    })
    socketio.run(app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False)


if __name__ == "__main__":
    main(int(sys.argv[1]))
