"""The case domain: a case's lifecycle, its timeline, the queues it waits in and the work done on it."""
