"""Intake: the HTTP API portals submit to."""
