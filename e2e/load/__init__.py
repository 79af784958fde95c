"""Load and crash tooling for okta-server (bulk SCIM clients, read-only database views)."""
