"""Replayers of third-party SCIM suites (Okta's SPEC suite, Microsoft's Postman collection)
and the SCIM client shared by the SCIM end-to-end tests."""
