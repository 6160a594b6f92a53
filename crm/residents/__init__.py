"""Residents: the registry, households, health cards and the card office, enrolment, field, ABHA, lookup."""
