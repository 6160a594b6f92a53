"""The missed-call service: a second helpline number whose calls are rejected unanswered (free for the
caller) and called back, keeping the caller's place in the tier-1 line, with an SMS saying when."""
