"""Specialised procedures (Fachverfahren) with a REST/JSON import."""

from hub.connectors.procedure_rest.connector import ProcedureRestConnector

__all__ = ["ProcedureRestConnector"]
