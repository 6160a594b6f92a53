"""The helpline's routes under /api/v1 (on the platform's API blueprint, crm.platform.api)."""
