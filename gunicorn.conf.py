"""gunicorn settings for production: one process per instance (Socket.IO), many threads."""

import os

workers = 1
threads = int(os.environ.get("GUNICORN_THREADS", "50"))
bind = os.environ.get("BIND", "0.0.0.0:8000")
timeout = 60


def post_worker_init(worker):
    """Start the database sweeps in the serving process (unless a sweep process owns them: SWEEPS_IN_WEB=0)."""
    if os.environ.get("SWEEPS_IN_WEB", "1") == "0":
        return
    from crm import sweeps

    sweeps.start_background(worker.wsgi)
