"""Delivery: connectors render a case into a back office's format and hand it over."""
