"""WSGI entry point: `app` for gunicorn, `python wsgi.py` for the Socket.IO development server.

The sweeps (emergency alarms, reminders, lost SMS jobs) run in every server process: started here
for `python wsgi.py` and by gunicorn.conf.py's post_worker_init for gunicorn, not for CLI commands.
"""

import os

from crm import create_app, sweeps
from crm.extensions import socketio

app = create_app()

if __name__ == "__main__":
    sweeps.start_background(app)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)
