"""Sampark CRM: the composition root of the helpline application."""

from crm.app import create_app

__all__ = ["create_app"]
