"""The application factory: settings, extensions, the blueprints of crm, then the edges (telephony)."""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from crm import config as settings
from crm.platform import pool
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
    with app.app_context():
        pool.init_app(app, db.engine)
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

    from crm.citizens.facilities import init_app as init_facilities
    from crm.citizens.grievances.views import bp as grievances_bp
    from crm.citizens.portal import i18n
    from crm.citizens.portal.views import bp as portal_bp
    from crm.helpline.doctor_desk import bp as doctor_bp
    from crm.helpline.live import sockets
    from crm.helpline.operator_desk import bp as workspace_bp
    from crm.helpline.supervisor import views as supervisor
    from crm.helpline.triage_review.views import bp as triage_review_bp
    from crm.helpline.whatsapp import init_app as init_whatsapp
    from crm.hospitals.fhir import init_app as init_fhir
    from crm.platform import cli, errors, filters, jobs, unit_of_work
    from crm.platform.api import bp as api_bp
    from crm.platform.security import init_app as init_security
    from crm.residents.abha.views import bp as abha_bp
    from crm.residents.card_office.request_views import bp as card_requests_bp
    from crm.residents.card_office.views import bp as card_office_bp
    from crm.residents.cards.keys import init_app as init_card_keys
    from crm.residents.enrollment import views as enrollment
    from crm.residents.field import views as field
    from crm.residents.pages import bp as pages_bp
    from crm.staff.access_log.views import bp as access_log_bp
    from crm.staff.admin import api as admin_api  # noqa: F401  (registers its routes on the API blueprint)
    from crm.staff.admin.views import bp as admin_bp
    from crm.staff.auth import access
    from crm.staff.auth.views import bp as auth_bp

    init_security(app)  # before the blueprints: their <int:...> routes take the bounded converter
    access.init_app(app)
    errors.init_app(app)
    unit_of_work.init_app(app)
    filters.init_app(app)
    sockets.init_app()
    jobs.init_app(app)
    init_card_keys(app)
    i18n.init_app(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(workspace_bp)
    app.register_blueprint(doctor_bp)
    app.register_blueprint(access_log_bp)
    app.register_blueprint(triage_review_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(card_office_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(card_requests_bp)
    app.register_blueprint(grievances_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(abha_bp)
    supervisor.register(app)
    init_facilities(app)
    init_whatsapp(app)
    field.register(app)
    enrollment.register(app)
    init_fhir(app)
    cli.init_app(app)
    for edge in EDGES:  # the edges depend on crm, never the other way: loaded by name, like installed apps
        import_module(edge).init_app(app)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL and foreign keys for the embedded SQLite database; PostgreSQL needs neither."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
