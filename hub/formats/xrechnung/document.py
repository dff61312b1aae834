"""Safe reading of an e-invoice: hostile XML is refused before any rule sees it.

One streaming pass over the bytes (lxml ``iterparse``) refuses, as soon as it meets them:
a DOCTYPE (and with it every entity declaration and external DTD), XInclude elements,
nesting deeper than :data:`MAX_DEPTH` and more than :data:`MAX_ELEMENTS` elements.
Entities are never resolved and the network is never used. What passes is a plain
element tree, the syntax (UBL or CII), the document type and the specification id (BT-24).
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
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


def _refuse_doctype(element: etree._Element) -> None:
    docinfo = element.getroottree().docinfo
    # every DOCTYPE, even a bare one, comes with an (internal) DTD object
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.public_id:
        raise HostileXmlError("dtd", "a DOCTYPE (DTD, entity declarations) is not accepted")


def _split(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):  # comments and processing instructions
        return "", ""
    qname = etree.QName(tag)
    return qname.namespace or "", qname.localname


def parse(document: bytes) -> InvoiceDocument:
    """Parse ``document`` safely; raises :class:`HostileXmlError`, :class:`MalformedXmlError` or
    :class:`UnsupportedSpecificationError` (not an invoice root)."""
    if len(document) > MAX_DOCUMENT_BYTES:
        raise HostileXmlError(
            "too_large", f"document has {len(document)} bytes, the limit is {MAX_DOCUMENT_BYTES}"
        )
    events = etree.iterparse(
        BytesIO(document),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        # base64 attachments are text nodes of many megabytes; depth and size are bounded here
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
    )
    depth = elements = 0
    root: etree._Element | None = None
    try:
        for event, element in events:
            if event == "end":
                depth -= 1
                continue
            if root is None:
                _refuse_doctype(element)
                root = element
            depth += 1
            elements += 1
            if depth > MAX_DEPTH:
                raise HostileXmlError("too_deep", f"elements nest deeper than {MAX_DEPTH} levels")
            if elements > MAX_ELEMENTS:
                raise HostileXmlError("too_many_elements", f"more than {MAX_ELEMENTS} elements")
            namespace, _ = _split(element.tag)
            if namespace in _XINCLUDE:
                raise HostileXmlError("xinclude", "XInclude elements are not accepted")
    except etree.XMLSyntaxError as exc:
        raise MalformedXmlError(f"not well-formed XML: {exc}") from None
    if root is None:
        raise MalformedXmlError("not well-formed XML: no root element")
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
