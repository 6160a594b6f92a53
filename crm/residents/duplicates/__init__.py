"""Likely duplicate residents as the card office's worklist: found after every import and enrolment, reviewed
side by side, merged (crm.residents.enrollment.merge) or dismissed by a person, and undone exactly."""
