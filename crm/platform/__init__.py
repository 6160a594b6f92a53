"""The platform every area stands on: database and unit of work, jobs, sweeps, errors, security."""
