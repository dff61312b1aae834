"""Why a document could not be validated at all (as opposed to findings about its content).

All are ``ValueError``s with a ``kind`` (a stable problem type for intake's 422 answers)::

    XRechnungError
    ├── MalformedXmlError              not well-formed XML
    ├── HostileXmlError                DTD/entities, XInclude, too deep, too many, too large
    └── UnsupportedSpecificationError  not a UBL/CII invoice, or an unknown BT-24

A missing rules directory is :class:`RulesNotFoundError`, a configuration error (stop and alert).
"""

from __future__ import annotations


class XRechnungError(ValueError):
    """The document was refused before its content could be checked."""

    kind = "invalid_document"


class MalformedXmlError(XRechnungError):
    """The bytes are not well-formed XML."""

    kind = "malformed_xml"


class HostileXmlError(XRechnungError):
    """The document uses XML features or sizes that are refused for safety.

    ``reason`` says which: ``dtd``, ``xinclude``, ``too_deep``, ``too_many_elements``,
    ``too_large``.
    """

    kind = "forbidden_xml"

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)

    def __reduce__(self) -> tuple[type[HostileXmlError], tuple[str, str]]:
        # crosses the process boundary of the validation pool intact
        return (type(self), (self.reason, str(self)))


class UnsupportedSpecificationError(XRechnungError):
    """Not an invoice of a specification (BT-24) this hub has rules for."""

    kind = "unsupported_specification"


class RulesNotFoundError(RuntimeError):
    """The rules directory lacks a stylesheet or schema (run ``scripts/xrechnung.sh fetch``)."""
