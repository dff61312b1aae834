"""What finance needs to see of an invoice, read from UBL or CII by business term (BT-x).

:func:`summarize` gives the headline as JSON-ready values (amounts and ids as the document
writes them, dates as ISO strings); :func:`invoice_details` adds parties, lines, VAT
breakdown and payment for the HTML rendering. Both parse through the same safe parser as the
validator, so hostile XML is refused here too.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from hub.formats.xrechnung.document import NS, InvoiceDocument, parse
from hub.formats.xrechnung.report import ValidationReport

_CII_AGREEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
_CII_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_CII_TOTALS = f"{_CII_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
_CII_MEANS = f"{_CII_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"

Fields = dict[str, tuple[str, ...]]  # name -> XPaths, the first match with text wins

# business term -> XPath from the root
_UBL: Fields = {
    "invoice_number": ("cbc:ID",),
    "issue_date": ("cbc:IssueDate",),
    "due_date": ("cbc:DueDate", "cac:PaymentMeans/cbc:PaymentDueDate"),
    "type_code": ("cbc:InvoiceTypeCode", "cbc:CreditNoteTypeCode"),
    "currency": ("cbc:DocumentCurrencyCode",),
    "buyer_reference": ("cbc:BuyerReference",),
    "seller_name": (
        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
    ),
    "seller_vat_id": (
        "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"
        "[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID",
    ),
    "buyer_name": (
        "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
    ),
    "net_amount": ("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",),
    "tax_amount": (
        "cac:TaxTotal/cbc:TaxAmount[@currencyID=$currency]",
        "cac:TaxTotal/cbc:TaxAmount",
    ),
    "gross_amount": ("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",),
    "prepaid_amount": ("cac:LegalMonetaryTotal/cbc:PrepaidAmount",),
    "rounding_amount": ("cac:LegalMonetaryTotal/cbc:PayableRoundingAmount",),
    "payable_amount": ("cac:LegalMonetaryTotal/cbc:PayableAmount",),
    "iban": ("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID",),
    "payment_means_code": ("cac:PaymentMeans/cbc:PaymentMeansCode",),
}
_CII: Fields = {
    "invoice_number": ("rsm:ExchangedDocument/ram:ID",),
    "issue_date": ("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",),
    "due_date": (
        f"{_CII_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
    ),
    "type_code": ("rsm:ExchangedDocument/ram:TypeCode",),
    "currency": (f"{_CII_SETTLEMENT}/ram:InvoiceCurrencyCode",),
    "buyer_reference": (f"{_CII_AGREEMENT}/ram:BuyerReference",),
    "seller_name": (f"{_CII_AGREEMENT}/ram:SellerTradeParty/ram:Name",),
    "seller_vat_id": (
        f"{_CII_AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']",
    ),
    "buyer_name": (f"{_CII_AGREEMENT}/ram:BuyerTradeParty/ram:Name",),
    "net_amount": (f"{_CII_TOTALS}/ram:TaxBasisTotalAmount",),
    "tax_amount": (
        f"{_CII_TOTALS}/ram:TaxTotalAmount[@currencyID=$currency]",
        f"{_CII_TOTALS}/ram:TaxTotalAmount",
    ),
    "gross_amount": (f"{_CII_TOTALS}/ram:GrandTotalAmount",),
    "prepaid_amount": (f"{_CII_TOTALS}/ram:TotalPrepaidAmount",),
    "rounding_amount": (f"{_CII_TOTALS}/ram:RoundingAmount",),
    "payable_amount": (f"{_CII_TOTALS}/ram:DuePayableAmount",),
    "iban": (
        f"{_CII_MEANS}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID",
        f"{_CII_MEANS}/ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID",
    ),
    "payment_means_code": (f"{_CII_MEANS}/ram:TypeCode",),
}
_DATES = ("issue_date", "due_date")


def _select(node: etree._Element, path: str, **variables: str) -> list[Any]:
    """Nodes or strings that ``path`` selects (every path here selects a sequence)."""
    result = node.xpath(path, namespaces=NS, **variables)  # type: ignore[arg-type]  # stubs lack XPath variables
    return result if isinstance(result, list) else []


def _first(node: etree._Element, paths: tuple[str, ...], **variables: str) -> str | None:
    for path in paths:
        for found in _select(node, path, **variables):
            text = found.text if isinstance(found, etree._Element) else str(found)
            if text and text.strip():
                return " ".join(text.split())
    return None


def _iso_date(value: str | None, syntax: str) -> str | None:
    if value and syntax == "cii" and len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def _headline(parsed: InvoiceDocument) -> dict[str, Any]:
    paths = _UBL if parsed.syntax == "ubl" else _CII
    currency = _first(parsed.root, paths["currency"]) or ""
    values: dict[str, Any] = {
        "syntax": parsed.syntax,
        "document_type": parsed.document_type,
        "specification": parsed.specification,
    }
    for term, term_paths in paths.items():
        value = _first(parsed.root, term_paths, currency=currency)
        values[term] = _iso_date(value, parsed.syntax) if term in _DATES else value
    return values


def summarize(document: bytes, report: ValidationReport | None = None) -> dict[str, Any]:
    """The invoice's headline for finance, JSON-ready.

    Keys: ``syntax``, ``document_type``, ``specification`` (BT-24), ``invoice_number`` (BT-1),
    ``issue_date`` (BT-2), ``due_date`` (BT-9), ``type_code`` (BT-3), ``currency`` (BT-5),
    ``buyer_reference`` (BT-10, the Leitweg-ID), ``seller_name`` (BT-27), ``seller_vat_id``
    (BT-31), ``buyer_name`` (BT-44), ``net_amount`` (BT-109), ``tax_amount`` (BT-110),
    ``gross_amount`` (BT-112), ``prepaid_amount`` (BT-113), ``rounding_amount`` (BT-114),
    ``payable_amount`` (BT-115), ``iban`` (BT-84), ``payment_means_code`` (BT-81); absent terms
    are ``None``. With ``report`` (the caller's validation), ``validation`` holds its
    ``valid``, ``rules``, ``fatal`` and ``warnings`` counts and every finding.
    """
    summary = _headline(parse(document))
    if report is not None:
        summary["validation"] = {
            "valid": report.valid,
            "rules": report.rules,
            "fatal": len(report.fatal),
            "warnings": len(report.findings) - len(report.fatal),
            "findings": [finding.to_json() for finding in report.findings],
        }
    return summary


# Parties, lines and VAT breakdown for the rendering: (relative XPath per syntax)
_PARTY_UBL: Fields = {
    "name": ("cac:PartyLegalEntity/cbc:RegistrationName", "cac:PartyName/cbc:Name"),
    "street": ("cac:PostalAddress/cbc:StreetName",),
    "postcode": ("cac:PostalAddress/cbc:PostalZone",),
    "city": ("cac:PostalAddress/cbc:CityName",),
    "country": ("cac:PostalAddress/cac:Country/cbc:IdentificationCode",),
    "vat_id": ("cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID",),
    "contact": ("cac:Contact/cbc:Name",),
    "phone": ("cac:Contact/cbc:Telephone",),
    "email": ("cac:Contact/cbc:ElectronicMail",),
}
_PARTY_CII: Fields = {
    "name": ("ram:Name",),
    "street": ("ram:PostalTradeAddress/ram:LineOne",),
    "postcode": ("ram:PostalTradeAddress/ram:PostcodeCode",),
    "city": ("ram:PostalTradeAddress/ram:CityName",),
    "country": ("ram:PostalTradeAddress/ram:CountryID",),
    "vat_id": ("ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']",),
    "contact": ("ram:DefinedTradeContact/ram:PersonName",),
    "phone": ("ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:CompleteNumber",),
    "email": ("ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID",),
}
_LINE_UBL: Fields = {
    "id": ("cbc:ID",),
    "name": ("cac:Item/cbc:Name",),
    "quantity": ("cbc:InvoicedQuantity", "cbc:CreditedQuantity"),
    "unit": ("cbc:InvoicedQuantity/@unitCode", "cbc:CreditedQuantity/@unitCode"),
    "price": ("cac:Price/cbc:PriceAmount",),
    "vat_rate": ("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent",),
    "net_amount": ("cbc:LineExtensionAmount",),
}
_LINE_CII: Fields = {
    "id": ("ram:AssociatedDocumentLineDocument/ram:LineID",),
    "name": ("ram:SpecifiedTradeProduct/ram:Name",),
    "quantity": ("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity",),
    "unit": ("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode",),
    "price": ("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount",),
    "vat_rate": (
        "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent",
    ),
    "net_amount": (
        "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation"
        "/ram:LineTotalAmount",
    ),
}
_VAT_UBL: Fields = {
    "category": ("cac:TaxCategory/cbc:ID",),
    "rate": ("cac:TaxCategory/cbc:Percent",),
    "taxable_amount": ("cbc:TaxableAmount",),
    "tax_amount": ("cbc:TaxAmount",),
}
_VAT_CII: Fields = {
    "category": ("ram:CategoryCode",),
    "rate": ("ram:RateApplicablePercent",),
    "taxable_amount": ("ram:BasisAmount",),
    "tax_amount": ("ram:CalculatedAmount",),
}
_SECTIONS: dict[str, dict[str, tuple[str, Fields]]] = {
    "ubl": {
        "seller": ("cac:AccountingSupplierParty/cac:Party", _PARTY_UBL),
        "buyer": ("cac:AccountingCustomerParty/cac:Party", _PARTY_UBL),
        "lines": ("cac:InvoiceLine | cac:CreditNoteLine", _LINE_UBL),
        "vat": ("cac:TaxTotal/cac:TaxSubtotal", _VAT_UBL),
    },
    "cii": {
        "seller": (f"{_CII_AGREEMENT}/ram:SellerTradeParty", _PARTY_CII),
        "buyer": (f"{_CII_AGREEMENT}/ram:BuyerTradeParty", _PARTY_CII),
        "lines": (
            "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem",
            _LINE_CII,
        ),
        "vat": (f"{_CII_SETTLEMENT}/ram:ApplicableTradeTax", _VAT_CII),
    },
}
_NOTES = {"ubl": "cbc:Note", "cii": "rsm:ExchangedDocument/ram:IncludedNote/ram:Content"}
_TERMS = {
    "ubl": "cac:PaymentTerms/cbc:Note",
    "cii": f"{_CII_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description",
}


def _records(root: etree._Element, path: str, fields: Fields) -> list[dict[str, str | None]]:
    return [
        {name: _first(node, paths) for name, paths in fields.items()}
        for node in _select(root, path)
    ]


def invoice_details(document: bytes) -> dict[str, Any]:
    """Parties (``seller``, ``buyer``), ``lines``, ``vat`` breakdown, ``notes`` and payment
    ``terms`` of the invoice, for rendering."""
    parsed = parse(document)
    sections = _SECTIONS[parsed.syntax]
    details: dict[str, Any] = {}
    for name in ("seller", "buyer"):
        path, fields = sections[name]
        found = _records(parsed.root, path, fields)
        details[name] = found[0] if found else dict.fromkeys(fields)
    for name in ("lines", "vat"):
        path, fields = sections[name]
        details[name] = _records(parsed.root, path, fields)
    details["notes"] = [
        " ".join((node.text or "").split()) for node in _select(parsed.root, _NOTES[parsed.syntax])
    ]
    details["terms"] = _first(parsed.root, (_TERMS[parsed.syntax],))
    return details
