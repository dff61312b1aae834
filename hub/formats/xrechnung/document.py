"""Safe reading of an e-invoice: hostile XML is refused before any rule sees it.

Before any tree is built, documents over :data:`MAX_DOCUMENT_BYTES` or with more than
:data:`MAX_ELEMENTS` elements (counted at byte speed) are refused. lxml then parses with
entity resolution, DTD loading and the network off, and the tree is refused when it has a
DOCTYPE (and with it every entity declaration or external DTD), XInclude elements, or
nesting deeper than :data:`MAX_DEPTH` (compiled XPath, no Python loop over the elements).
What passes is a plain element tree, the syntax (UBL or CII), the document type and the
specification id (BT-24).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lxml import etree

from hub.formats.xrechnung.errors import (
    HostileXmlError,
    MalformedXmlError,
    UnsupportedSpecificationError,
)

# A real XRechnung nests about 8 levels (Invoice/InvoiceLine/Item/.../ID); CII about 10.
# 64 leaves room for extensions and refuses depth bombs long before the parser's own limit.
MAX_DEPTH = 64
# A 10,000-line invoice has about 300,000 elements; beyond 500,000 it is an element flood.
MAX_ELEMENTS = 500_000
# Above the intake's request limit (25 MiB) with room for attachments encoded in base64.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS = {
    "ubl": UBL_INVOICE,
    "cn": UBL_CREDIT_NOTE,
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "rsm": CII,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
_XINCLUDE = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
_ROOTS: dict[tuple[str, str], tuple[Literal["ubl", "cii"], str]] = {
    (UBL_INVOICE, "Invoice"): ("ubl", "Invoice"),
    (UBL_CREDIT_NOTE, "CreditNote"): ("ubl", "CreditNote"),
    (CII, "CrossIndustryInvoice"): ("cii", "CrossIndustryInvoice"),
}
_SPEC_PATH = {
    "ubl": "cbc:CustomizationID",
    "cii": "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
}


@dataclass(frozen=True)
class InvoiceDocument:
    """A parsed invoice that passed the structural checks."""

    root: etree._Element
    syntax: Literal["ubl", "cii"]
    document_type: str  # Invoice | CreditNote | CrossIndustryInvoice
    specification: str  # BT-24, "" when absent


_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    # base64 attachments are text nodes of many megabytes; depth and counts are bounded here
    huge_tree=True,
    remove_comments=True,
    remove_pis=True,
)
_TOO_DEEP = etree.XPath("boolean(/" + "/".join(["*"] * (MAX_DEPTH + 1)) + ")")
_XINCLUDE_XPATH = etree.XPath("boolean(//*[namespace-uri() = $a or namespace-uri() = $b])")


def _refuse_structure(document: bytes) -> None:
    if len(document) > MAX_DOCUMENT_BYTES:
        raise HostileXmlError(
            "too_large", f"document has {len(document)} bytes, the limit is {MAX_DOCUMENT_BYTES}"
        )
    # Every element starts with "<" not followed by "/": an upper bound counted at byte speed,
    # before a tree (and its memory) exists. UTF-16 input counts the same.
    if document.count(b"<") - document.count(b"</") > MAX_ELEMENTS:
        raise HostileXmlError("too_many_elements", f"more than {MAX_ELEMENTS} elements")


def _parse_tree(document: bytes) -> etree._Element:
    try:
        root = etree.fromstring(document, _PARSER)
    except etree.XMLSyntaxError as exc:
        if "Excessive depth" in str(exc):  # libxml2's own limit, far above MAX_DEPTH
            raise HostileXmlError(
                "too_deep", f"elements nest deeper than {MAX_DEPTH} levels"
            ) from None
        raise MalformedXmlError(f"not well-formed XML: {exc}") from None
    if root is None:
        raise MalformedXmlError("not well-formed XML: no root element")
    docinfo = root.getroottree().docinfo
    # every DOCTYPE, even a bare one, comes with an (internal) DTD object; nothing of it was
    # expanded or loaded (resolve_entities and load_dtd are off)
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.public_id:
        raise HostileXmlError("dtd", "a DOCTYPE (DTD, entity declarations) is not accepted")
    if _TOO_DEEP(root):
        raise HostileXmlError("too_deep", f"elements nest deeper than {MAX_DEPTH} levels")
    if _XINCLUDE_XPATH(root, a=_XINCLUDE[0], b=_XINCLUDE[1]):
        raise HostileXmlError("xinclude", "XInclude elements are not accepted")
    return root


def _split(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def parse(document: bytes) -> InvoiceDocument:
    """Parse ``document`` safely; raises :class:`HostileXmlError`, :class:`MalformedXmlError`
    or :class:`UnsupportedSpecificationError` (not an invoice root)."""
    _refuse_structure(document)
    root = _parse_tree(document)
    namespace, local = _split(root.tag)
    kind = _ROOTS.get((namespace, local))
    if kind is None:
        raise UnsupportedSpecificationError(
            f"root element {local!r} in namespace {namespace or '(none)'!r} is neither UBL "
            "Invoice/CreditNote nor CII CrossIndustryInvoice"
        )
    syntax, document_type = kind
    found = root.find(_SPEC_PATH[syntax], NS)
    specification = (found.text or "").strip() if found is not None else ""
    return InvoiceDocument(root, syntax, document_type, specification)
