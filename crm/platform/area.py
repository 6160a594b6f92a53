"""The platform's part of the app: what every area stands on, plugged in first.

URLs:      /api/v1 (crm.platform.api.bp: one blueprint; each area's module adds its routes to it),
           /healthz and /readyz (crm.platform.health, for the balancer: unauthenticated, never audited),
           /metrics (crm.platform.metrics, for Prometheus: off unless METRICS_TOKEN is set, then that bearer token),
           /favicon.ico (crm.platform.site_icon, static/favicon.svg; public)
Services:  extensions, unit_of_work, direct_sql, pool, turns, jobs, worker, sweeps, outbox, phone (port), health,
           metrics (what each area adds to /metrics), logs (JSON lines with a request id), retention (each kind
           of personal data's period, enforced by a sweep; areas add their rules), partitions (tables kept a
           partition a month, made ahead and dropped past their period by a sweep; areas add their tables), backups, error_tracking (Sentry, scrubbed),
           publisher, errors, security, audit, phones, sms_parts, spreadsheets, filters
Commands:  flask sweep once|loop, flask worker, flask backup create|drill (crm.platform.backups)
The platform imports no area (tests/architecture/test_layers.py).
"""

from __future__ import annotations

from flask import Flask

from crm.platform import (
    api,
    cli,
    error_tracking,
    errors,
    filters,
    health,
    jobs,
    logs,
    metrics,
    partitions,
    retention,
    security,
    site_icon,
    sweeps,
    unit_of_work,
)


def register(app: Flask) -> None:
    """Install the platform: bounded inputs and headers, errors, the unit of work, filters, jobs, sweeps, commands."""
    logs.init_app(app)  # first: every later hook logs under the request's id
    error_tracking.init_app(app)  # off unless SENTRY_DSN is set
    security.init_app(app)  # before the blueprints: their <int:...> routes take the bounded converter
    errors.init_app(app)
    unit_of_work.init_app(app)
    filters.init_app(app)
    jobs.init_app(app)
    sweeps.init_app(app)
    retention.init_app(app)
    partitions.init_app(app)
    cli.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    site_icon.init_app(app)
    app.register_blueprint(api.bp)  # its routes come from the areas' modules, imported before any register(app)
