"""Grievance fixtures: SMS jobs held, so tests read what the citizen would receive."""

import pytest

from tests.conftest import app_with_schema


@pytest.fixture
def app(tmp_path):
    """The app with SMS stored, not sent."""
    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False, GRIEVANCE_DAYS_HELPLINE="2") as app:
        yield app
