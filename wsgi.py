"""WSGI entry point: `app` for gunicorn, `python wsgi.py` for the Socket.IO development server.

The sweeps (emergency alarms, reminders, lost SMS jobs) run in every server process: started here
for `python wsgi.py` and by gunicorn.conf.py's post_worker_init for gunicorn, not for CLI commands.
"""

import os

from crm import create_app
from crm.platform import sweeps

app = create_app()


def serve(host: str, port: int) -> None:
    """Serve on host:port; once the port is open, say where (with the demo's logins when SAMPARK_DEMO is set)."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from crm.seed import demo

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code="-", size="-") -> None:
            # Only failures: the phone page polls every second and would bury the banner.
            if str(code).isdigit() and int(code) >= 400:
                super().log_request(code, size)

    # Flask-SocketIO's threading mode is this same server (socketio.run calls app.run, which calls it); calling it
    # directly leaves out app.run's production warnings, which a demo or a developer's machine has no use for.
    server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
    base_url = f"http://{host}:{port}"
    if os.environ.get("SAMPARK_DEMO"):
        with app.app_context():
            print(demo.banner(base_url), flush=True)
    else:
        print(f"Sampark is listening on {base_url}/ (Ctrl-C stops it).", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sweeps.start_background(app)
    serve(os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000")))
