"""The helpline: desks, the floor, the live board, appointments, missed calls, WhatsApp, triage review."""
