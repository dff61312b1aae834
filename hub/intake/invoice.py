"""XRechnung documents at the edge: safe parsing, the header fields, routing by BT-10.

Both syntaxes of EN 16931 are read: UBL 2.1 (``Invoice``, ``CreditNote``) and
UN/CEFACT CII (``CrossIndustryInvoice``). Parsing refuses DTDs, entity
declarations and external references (no XXE, no entity expansion) and depth or
element bombs; the body size is limited by intake before it gets here.

Intake reads a document in two steps around the official validation
(:mod:`hub.intake.invoices`): :func:`read_invoice` parses it safely and gives
BT-10 for routing without requiring anything else (a missing invoice number is
the rules' finding, not a header error), and after the rules passed,
:func:`header_of` takes the header terms the hub identifies the case by.

Routing (:func:`route_invoice`) tolerates real BT-10 values: XRechnung requires
BT-10 to be present, not to be a valid Leitweg-ID. The routing key is the
Grobadressierung: the leading 2-12 digits up to the first hyphen (or the end).
A valid Leitweg-ID routes by its Grobadressierung; a value that is not a valid
Leitweg-ID (wrong check digits, odd Feinadressierung) but whose leading digits
start with a configured prefix routes the same way, with a warning in the
receipt; anything else (no leading digits, no prefix matches) is unroutable.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError, fromstring

from hub.config.tenants import Tenant
from hub.events.models import AttachmentRef, Invoice
from hub.intake.limits import MAX_XML_DEPTH, MAX_XML_ELEMENTS
from hub.routing.leitweg import LeitwegError, parse_leitweg_id

UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "rsm": CII,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


class InvoiceError(ValueError):
    """The document cannot be taken; ``kind`` is the problem type, ``field`` the business term."""

    def __init__(self, kind: str, message: str, field: str | None = None) -> None:
        self.kind = kind
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class InvoiceHeader:
    """The business terms the hub needs (BT numbers of EN 16931)."""

    syntax: str  # ubl | cii
    document_type: str  # Invoice | CreditNote | CrossIndustryInvoice
    invoice_number: str  # BT-1
    issue_date: date  # BT-2
    type_code: str  # BT-3
    currency: str  # BT-5
    buyer_reference: str  # BT-10, the Leitweg-ID
    specification_id: str  # BT-24
    seller_name: str  # BT-27
    seller_vat_id: str | None  # BT-31
    payable_amount: str | None  # BT-115

    @property
    def seller_key(self) -> str:
        """The seller's identity for duplicate detection: VAT id if given, else its name."""
        return self.seller_vat_id or self.seller_name


_UBL_PATHS = {
    "BT-24": "cbc:CustomizationID",
    "BT-1": "cbc:ID",
    "BT-2": "cbc:IssueDate",
    "BT-5": "cbc:DocumentCurrencyCode",
    "BT-10": "cbc:BuyerReference",
    "BT-27": "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
    "BT-31": "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
    "BT-115": "cac:LegalMonetaryTotal/cbc:PayableAmount",
}
_CII_AGREEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
_CII_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_CII_SELLER = f"{_CII_AGREEMENT}/ram:SellerTradeParty"
_CII_TOTALS = "ram:SpecifiedTradeSettlementHeaderMonetarySummation"
_CII_PATHS = {
    "BT-24": "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
    "BT-1": "rsm:ExchangedDocument/ram:ID",
    "BT-2": "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",
    "BT-3": "rsm:ExchangedDocument/ram:TypeCode",
    "BT-5": f"{_CII_SETTLEMENT}/ram:InvoiceCurrencyCode",
    "BT-10": f"{_CII_AGREEMENT}/ram:BuyerReference",
    "BT-27": f"{_CII_AGREEMENT}/ram:SellerTradeParty/ram:Name",
    "BT-31": f"{_CII_SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']",
    "BT-115": f"{_CII_SETTLEMENT}/{_CII_TOTALS}/ram:DuePayableAmount",
}
REQUIRED = ("BT-1", "BT-2", "BT-3", "BT-5", "BT-10", "BT-24", "BT-27")


def _text(root: Element, path: str) -> str | None:
    found = root.find(path, NS)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _parse_date(value: str, syntax: str) -> date:
    try:
        if syntax == "cii":
            return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        return date.fromisoformat(value)
    except (ValueError, IndexError):
        raise InvoiceError(
            "validation_failed", f"BT-2 issue date {value!r} is not a date", "BT-2"
        ) from None


class _Shape:
    """Parser target that only counts: refuses depth and element bombs before a tree is built."""

    def __init__(self) -> None:
        self.depth = 0
        self.elements = 0

    def start(self, _tag: str, _attrs: dict[str, str]) -> None:
        self.depth += 1
        self.elements += 1
        if self.depth > MAX_XML_DEPTH:
            raise InvoiceError("xml_too_deep", f"elements nest deeper than {MAX_XML_DEPTH} levels")
        if self.elements > MAX_XML_ELEMENTS:
            raise InvoiceError("xml_too_large", f"more than {MAX_XML_ELEMENTS} elements")

    def end(self, _tag: str) -> None:
        self.depth -= 1

    def data(self, _text: str) -> None:
        return None

    def close(self) -> None:
        return None


def check_structure(data: bytes) -> None:
    """Refuse DTDs, entities, external references and depth or element bombs (one cheap pass,
    no tree); raises :class:`InvoiceError`."""
    parser = DefusedXMLParser(
        target=_Shape(), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        parser.close()
    except DefusedXmlException as exc:
        raise InvoiceError("forbidden_xml", f"DTDs and entities are not accepted: {exc}") from None
    except ParseError as exc:
        raise InvoiceError("malformed_xml", f"not well-formed XML: {exc}") from None


@dataclass(frozen=True)
class ParsedInvoice:
    """A safely parsed XRechnung document whose root is a UBL or CII invoice."""

    root: Element
    syntax: str  # ubl | cii
    document_type: str  # Invoice | CreditNote | CrossIndustryInvoice
    paths: Mapping[str, str]  # business term -> path from the root

    def value(self, bt: str) -> str | None:
        """The text of business term ``bt`` (e.g. ``BT-10``), or None when absent or empty."""
        return _text(self.root, self.paths[bt])


def read_invoice(data: bytes) -> ParsedInvoice:
    """Parse an XRechnung document safely (structure checks first, then the tree) and check
    its root; raises :class:`InvoiceError`."""
    check_structure(data)
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvoiceError("forbidden_xml", f"DTDs and entities are not accepted: {exc}") from None
    except ParseError as exc:
        raise InvoiceError("malformed_xml", f"not well-formed XML: {exc}") from None
    namespace, _, local = (
        root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    )
    if namespace in (UBL_INVOICE, UBL_CREDIT_NOTE):
        paths = dict(_UBL_PATHS)
        paths["BT-3"] = (
            "cbc:InvoiceTypeCode" if namespace == UBL_INVOICE else "cbc:CreditNoteTypeCode"
        )
        return ParsedInvoice(root, "ubl", local, paths)
    if namespace == CII and local == "CrossIndustryInvoice":
        return ParsedInvoice(root, "cii", local, _CII_PATHS)
    raise InvoiceError(
        "unsupported_document",
        f"root element {local!r} in namespace {namespace or '(none)'!r} is neither UBL "
        "Invoice/CreditNote nor CII CrossIndustryInvoice",
    )


def header_of(parsed: ParsedInvoice) -> InvoiceHeader:
    """The header of a parsed document; raises :class:`InvoiceError` when a required term is
    missing (which the official rules report first) or BT-2 is not a date."""
    values = {bt: parsed.value(bt) for bt in parsed.paths}
    missing = [bt for bt in REQUIRED if not values.get(bt)]
    if missing:
        detail = f"required business terms missing: {', '.join(missing)}"
        raise InvoiceError("validation_failed", detail, missing[0])

    def req(bt: str) -> str:
        value = values[bt]
        if not (value is not None):
            raise RuntimeError("invariant broken: value is not None")
        return value

    return InvoiceHeader(
        syntax=parsed.syntax,
        document_type=parsed.document_type,
        invoice_number=req("BT-1"),
        issue_date=_parse_date(req("BT-2"), parsed.syntax),
        type_code=req("BT-3"),
        currency=req("BT-5"),
        buyer_reference=req("BT-10"),
        specification_id=req("BT-24"),
        seller_name=req("BT-27"),
        seller_vat_id=values.get("BT-31"),
        payable_amount=values.get("BT-115"),
    )


def parse_invoice(data: bytes) -> InvoiceHeader:
    """Parse an XRechnung document safely and extract its header; raises :class:`InvoiceError`."""
    return header_of(read_invoice(data))


_GROB = re.compile(r"^(\d{2,12})(?:-|$)")


@dataclass(frozen=True)
class InvoiceRoute:
    """Where an invoice goes by its BT-10: the tenant and the configured prefix that matched.

    ``leitweg_id`` is the normalised Leitweg-ID, or BT-10 as given (trimmed) when it is not a
    valid one; ``note`` then says why, for the receipt.
    """

    tenant: Tenant
    prefix: str
    leitweg_id: str
    note: str | None = None


def route_invoice(buyer_reference: str, tenants: Mapping[str, Tenant]) -> InvoiceRoute:
    """Route by BT-10 (see the module docstring); raises :class:`InvoiceError` with kind
    ``unroutable_invoice``."""
    value = buyer_reference.strip()
    note = None
    try:
        leitweg = parse_leitweg_id(value)
        grob, normalised = leitweg.grob, str(leitweg)
    except LeitwegError as exc:
        match = _GROB.match(value)
        if match is None:
            raise InvoiceError(
                "unroutable_invoice",
                f"BT-10 {value!r} is not a Leitweg-ID and does not start with the digits of "
                f"one ({exc})",
                "BT-10",
            ) from None
        grob, normalised, note = match[1], value, f"BT-10 is not a valid Leitweg-ID: {exc}"
    best: tuple[str, Tenant] | None = None
    for tenant in tenants.values():
        for prefix in tenant.leitweg_ids:
            if grob.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
                best = (prefix, tenant)
    if best is None:
        raise InvoiceError(
            "unroutable_invoice",
            f"no partner receives invoices for BT-10 {value!r} (Grobadressierung {grob})",
            "BT-10",
        )
    if note is not None:
        note += f"; routed by its Grobadressierung {grob} (prefix {best[0]})"
    return InvoiceRoute(best[1], best[0], normalised, note)


def to_invoice(
    header: InvoiceHeader,
    leitweg_id: str,
    sha256: str,
    size: int,
    uri: str,
    *,
    validation: AttachmentRef | None = None,
) -> Invoice:
    """The event form of an accepted invoice (the document, and intake's validation report,
    by reference)."""
    return Invoice(
        syntax=header.syntax,
        document_type=header.document_type,
        invoice_number=header.invoice_number,
        issue_date=header.issue_date,
        type_code=header.type_code,
        currency=header.currency,
        leitweg_id=leitweg_id,
        specification_id=header.specification_id,
        seller_name=header.seller_name,
        seller_vat_id=header.seller_vat_id,
        payable_amount=header.payable_amount,
        document=AttachmentRef(
            attachment_id="xrechnung",
            filename=f"{header.invoice_number}.xml",
            media_type="application/xml",
            size=size,
            sha256=sha256,
            uri=uri,
        ),
        validation=validation,
    )


def document_sha256(data: bytes) -> str:
    """SHA-256 of the document as received (the blob key and the duplicate fingerprint)."""
    return hashlib.sha256(data).hexdigest()
