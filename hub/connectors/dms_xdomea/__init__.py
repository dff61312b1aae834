"""DMS / E-Akte connector: files each case as an xdomea-shaped ZIP into an import directory."""

from hub.connectors.dms_xdomea.connector import DmsXdomeaConnector

__all__ = ["DmsXdomeaConnector"]
