"""Specialised procedures (Fachverfahren) taking XÖV messages (XGewerbeanzeige)."""

from hub.connectors.procedure_xoev.connector import ProcedureXoevConnector, ProcedureXoevSettings

__all__ = ["ProcedureXoevConnector", "ProcedureXoevSettings"]
