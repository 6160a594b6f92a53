"""Staff authentication: login, roles, personal API tokens."""
