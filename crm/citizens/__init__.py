"""Citizens: the portal, grievances, the facility finder."""
