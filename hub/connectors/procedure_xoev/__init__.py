"""Specialised procedures (Fachverfahren) taking XÖV messages (XGewerbeanzeige)."""

from hub.connectors.procedure_xoev.connector import ProcedureXoevConnector

__all__ = ["ProcedureXoevConnector"]
