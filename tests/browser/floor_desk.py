"""Helpers for the supervisor's floor in a real Chromium: logging in, reading tiles as the page writes them."""

from __future__ import annotations

from tests import factories


def make_staff(app, role: str, name: str, **kwargs) -> tuple[str, int]:
    """A new staff member; returns (username, id)."""
    with app.app_context():
        staff = factories.make_staff(role, name=name, **kwargs)
        return staff.username, staff.id


def log_in(page, base: str, username: str, landing: str) -> None:
    """Log in through the real form and wait for `landing`."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{landing}")


def tile(page, queue: str, field: str) -> str:
    """The text of one figure of one queue tile."""
    return page.inner_text(f'[data-queue="{queue}"] [data-field="{field}"]')


def duration(seconds) -> str:
    """The page's way of writing seconds (m:ss, h:mm:ss), '–' for none."""
    if seconds is None:
        return "–"
    s = max(0, round(seconds))
    h, m, r = s // 3600, (s % 3600) // 60, s % 60
    return f"{h}:{m:02d}:{r:02d}" if h else f"{m}:{r:02d}"


def shown(value, kind: str | None) -> str:
    """An API figure as the page shows it."""
    if value is None:
        return "–"
    if kind == "duration":
        return duration(value)
    if kind == "percent":
        return f"{value:.1f}%"
    return str(value)
