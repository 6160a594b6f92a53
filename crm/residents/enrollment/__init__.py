"""Enrollment at hospitals and designated places: residents missing from the registry get a provisional
card (verified door to door like any other), likely duplicates are found by fuzzy matching, and the
registrar merges them, reversibly."""
