"""The site's icon: static/favicon.svg, also at /favicon.ico, where browsers ask for it on pages that name none
(a PDF, a JSON answer, the emulators' pages)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response

bp = Blueprint("site_icon", __name__)
ICON = Path(__file__).resolve().parents[2] / "static" / "favicon.svg"


def init_app(app: Flask) -> None:
    """Serve /favicon.ico."""
    app.register_blueprint(bp)


@bp.get("/favicon.ico")
def favicon():
    """The icon (an SVG: every browser the helpline supports reads one here), cached for a day."""
    response = Response(ICON.read_bytes(), mimetype="image/svg+xml")
    response.cache_control.public, response.cache_control.max_age = True, 86400
    return response


favicon.public = True  # crm.staff.auth.access lets it through without a login (the platform imports no area)
