"""Fixtures for the FHIR API: a test client and a registered hospital system."""

from __future__ import annotations

import pytest

from tests.fhir.hospital import Hospital


@pytest.fixture
def http(app):
    """A test client with no staff login (hospital systems are not staff)."""
    return app.test_client()


@pytest.fixture
def hospital(app, http):
    """GTB Hospital's system, registered with read and send-history scopes (ES384 key)."""
    return Hospital(http)
