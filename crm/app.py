"""The application factory: settings, extensions, the areas of crm (each plugs itself in), then the edges."""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path

from flask import Flask

from crm import config as settings
from crm.platform import jobs, pool, replica
from crm.platform.extensions import csrf, db, limiter, login_manager, migrate, socketio

ROOT = Path(__file__).resolve().parent.parent
EDGES = ("telephony",)  # packages at the edge (webhooks, gateways) that plug into the app


def create_app(overrides: dict | None = None) -> Flask:
    """Build a Sampark app from the environment, then `overrides` (tests pass a dict)."""
    app = Flask(
        "sampark",
        root_path=str(ROOT),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str((overrides or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH") or ROOT / "instance"),
    )
    app.config.update(settings.load(Path(app.instance_path), overrides))
    app.json.sort_keys = False
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # crm.staff.auth.access decides, knowing bearer tokens

    import crm.models  # noqa: F401  (registers every table before migrations look)

    db.init_app(app)
    replica.holds_no_tables(db)
    with app.app_context():
        for engine in db.engines.values():  # the primary, and the read replica when one is named
            pool.init_app(app, engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    # Flask-SocketIO keeps options across init_app calls; a previous app's Redis client manager would
    # leak into this one (tests build many apps in one process), so each app chooses afresh.
    socketio.server_options.pop("client_manager", None)
    # SOCKETIO_CHANNEL: deployments (or test runs) sharing one Redis keep their live events apart; Redis pub/sub
    # channels are shared across its database numbers.
    channel = app.config.get("SOCKETIO_CHANNEL") or "flask-socketio"  # (Flask-SocketIO's default)
    queue = {}
    if app.config.get("REDIS_URL"):  # Redis's queue, telling the dashboards when it reconnects (crm.helpline.live.sockets)
        from crm.helpline.live.sockets import RedisBoardManager

        queue = {"client_manager": RedisBoardManager(app.config["REDIS_URL"], channel=channel)}
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=app.config.get("REDIS_URL"),
        cors_allowed_origins=[app.config["PUBLIC_BASE_URL"]] if app.config["SAMPARK_ENV"] == "production" else "*",
        **queue,
    )

    # Every area's module lists its URLs (importing it adds its routes to the shared /api/v1 blueprint), then each
    # plugs itself in, the platform first and staff's gate before any page.
    from crm.citizens import area as citizens
    from crm.helpline import area as helpline
    from crm.hospitals import area as hospitals
    from crm.platform import area as platform
    from crm.residents import area as residents
    from crm.seed import area as seed
    from crm.staff import area as staff

    for area in (platform, staff, residents, helpline, citizens, hospitals, seed):
        area.register(app)
    for edge in EDGES:  # the edges depend on crm, never the other way: loaded by name, like installed apps
        import_module(edge).init_app(app)
    return app


jobs.install_app_factory(create_app)  # a job process without an app builds it with this (crm.platform.jobs)
