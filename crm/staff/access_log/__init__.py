"""The access log for supervisors and the data protection officer: who saw whom, when and why."""
