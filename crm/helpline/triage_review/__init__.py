"""Triage review: doctors and supervisors label the messages triage was unsure of, for the next corpus."""
