"""Door-to-door verification: ward worklists for field verifiers, their marks (synced from a phone that may
have been offline), and the card office's progress per ward."""
