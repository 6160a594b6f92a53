"""A burst of calls and texts that behaves like Twilio, against a running Sampark (see __main__.py)."""
