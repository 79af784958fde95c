"""Helpers shared by the end-to-end tests: the server process and an HTTP client."""
