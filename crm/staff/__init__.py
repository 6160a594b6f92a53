"""Staff: sign-in and sessions, capabilities, administration, the access log."""
