"""XRechnung (EN 16931) e-invoices: official validation, a summary and an HTML rendering.

``XRechnungValidator().validate(document)`` runs XML Schema, the CEN EN 16931 Schematron and
KoSIT's XRechnung Schematron (see ``docs/xrechnung-validation.md``);
``AsyncXRechnungValidator`` does the same in worker processes for asyncio callers.
``summarize`` and ``render_html`` prepare an invoice for finance.
"""

from hub.formats.xrechnung.document import MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_ELEMENTS
from hub.formats.xrechnung.errors import (
    HostileXmlError,
    MalformedXmlError,
    RulesNotFoundError,
    UnsupportedSpecificationError,
    XRechnungError,
)
from hub.formats.xrechnung.pool import AsyncXRechnungValidator
from hub.formats.xrechnung.render import render_html
from hub.formats.xrechnung.report import Finding, ValidationReport
from hub.formats.xrechnung.rules import (
    RULES_DIR_ENV,
    SPECIFICATIONS,
    XRECHNUNG_30,
    XRECHNUNG_30_EXTENSION,
    default_rules_dir,
)
from hub.formats.xrechnung.summary import summarize
from hub.formats.xrechnung.validator import XRechnungValidator

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_ELEMENTS",
    "RULES_DIR_ENV",
    "SPECIFICATIONS",
    "XRECHNUNG_30",
    "XRECHNUNG_30_EXTENSION",
    "AsyncXRechnungValidator",
    "Finding",
    "HostileXmlError",
    "MalformedXmlError",
    "RulesNotFoundError",
    "UnsupportedSpecificationError",
    "ValidationReport",
    "XRechnungError",
    "XRechnungValidator",
    "default_rules_dir",
    "render_html",
    "summarize",
]
