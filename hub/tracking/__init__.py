"""Tracking: each case's journey, its final status, and the media-break KPI."""
