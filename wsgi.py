"""WSGI entry point: `app` for gunicorn, `python wsgi.py` for the Socket.IO development server."""

import os

from crm import create_app
from crm.extensions import socketio

app = create_app()

if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)
