"""Formats of the standards the hub speaks, as pure functions.

xdomea, XRechnung, XÖV messages, PDF/A renderings and declarative field mappings. Connectors
combine a format with a transport; nothing here does I/O beyond reading its own rule and schema
files.
"""
