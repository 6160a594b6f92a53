"""gunicorn settings for production: one process per instance (Socket.IO), many threads."""

import os

workers = 1
threads = int(os.environ.get("GUNICORN_THREADS", "50"))
bind = os.environ.get("BIND", "0.0.0.0:8000")
timeout = 60
# Keep idle connections (parked in the poller, not holding a thread) longer than any client or balancer reuses one:
# at gunicorn's default of 2 s a webhook sent on a connection the server was closing at that moment was reset,
# unanswered (72 of 9,698 in the 1,000-call burst; Twilio and balancers do not resend a POST). Set the balancer's
# upstream idle timeout below this.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# The connections one process keeps open at once (gthread: those past it wait in the listen backlog, unread). Each
# costs about 10 kB of the process's memory while open (bench/README.md, "Memory: the web process over 10 minutes of
# the burst": 976 sockets at the burst's end), so this also bounds what a crowd of waiting callers can grow it by.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))


def post_worker_init(worker):
    """Start every request thread, the live-event publisher thread (and, for the memory benchmark, tracemalloc), and
    the database sweeps in the serving process (unless a sweep process owns them: SWEEPS_IN_WEB=0)."""
    from crm.helpline.live import events
    from crm.platform import collector, memory_trace, publisher, serving_threads

    serving_threads.start_all(worker.tpool, worker.cfg.threads)  # the process's size set now, not by the busiest hour
    collector.freeze_startup()  # the app's own objects: never walked by the collector, so no request waits on them
    memory_trace.start_from_environment()  # the memory benchmark's tracing (SAMPARK_TRACEMALLOC), never in production
    publisher.start(events.emit_all)
    if os.environ.get("SWEEPS_IN_WEB", "1") == "0":
        return
    from crm.platform import sweeps

    sweeps.start_background(worker.wsgi)


def child_exit(server, worker):
    """A web process ended: its live gauges (Socket.IO connections) stop counting in /metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
