"""Specialised procedures (Fachverfahren) with a REST/JSON import."""

from hub.connectors.procedure_rest.connector import ProcedureRestConnector, ProcedureRestSettings
from hub.connectors.procedure_rest.preview import render_preview

__all__ = ["ProcedureRestConnector", "ProcedureRestSettings", "render_preview"]
