"""E-invoices to a finance system: the XRechnung as received, a JSON summary, an HTML page."""

from hub.connectors.einvoice_xrechnung.connector import EinvoiceXRechnungConnector

__all__ = ["EinvoiceXRechnungConnector"]
