"""Invalid variants of the first test-suite case (UBL and CII), each breaking one rule, and
variants that only break "should" rules (warnings)."""

from __future__ import annotations

from xrechnung_cases import CII, UBL, Broken, remove, set_attr, set_text

_U_TOTAL = "cac:LegalMonetaryTotal"
_C_SETTLE = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_C_SUM = f"{_C_SETTLE}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
_C_AGREE = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
_C_SELLER = f"{_C_AGREE}/ram:SellerTradeParty"
_C_LINE = "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem"
_U_SELLER = "cac:AccountingSupplierParty/cac:Party"
_C_MEANS = f"{_C_SETTLE}/ram:SpecifiedTradeSettlementPaymentMeans"
_C_LINE_SUM = (
    f"{_C_LINE}/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation"
)

BROKEN: tuple[Broken, ...] = (
    # totals (BR-CO-*)
    Broken(
        "ubl payable off by a cent",
        UBL,
        "BR-CO-16",
        (set_text(f"{_U_TOTAL}/cbc:PayableAmount", "336.91"),),
    ),
    Broken(
        "cii payable off by a cent",
        CII,
        "BR-CO-16",
        (set_text(f"{_C_SUM}/ram:DuePayableAmount", "336.91"),),
    ),
    Broken(
        "ubl gross off by a cent",
        UBL,
        "BR-CO-15",
        (
            set_text(f"{_U_TOTAL}/cbc:TaxInclusiveAmount", "336.91"),
            set_text(f"{_U_TOTAL}/cbc:PayableAmount", "336.91"),
        ),
    ),
    Broken(
        "cii gross off by a cent",
        CII,
        "BR-CO-15",
        (
            set_text(f"{_C_SUM}/ram:GrandTotalAmount", "336.91"),
            set_text(f"{_C_SUM}/ram:DuePayableAmount", "336.91"),
        ),
    ),
    Broken(
        "ubl line net amount does not add up",
        UBL,
        "BR-CO-10",
        (set_text("cac:InvoiceLine/cbc:LineExtensionAmount", "288.80"),),
    ),
    Broken(
        "cii line net amount does not add up",
        CII,
        "BR-CO-10",
        (set_text(f"{_C_LINE_SUM}/ram:LineTotalAmount", "288.80"),),
        ("BR-S-08",),
    ),
    Broken(
        "ubl sum of lines off",
        UBL,
        "BR-CO-10",
        (set_text(f"{_U_TOTAL}/cbc:LineExtensionAmount", "314.87"),),
        ("BR-CO-13",),
    ),
    Broken(
        "cii sum of lines off",
        CII,
        "BR-CO-10",
        (set_text(f"{_C_SUM}/ram:LineTotalAmount", "314.87"),),
        ("BR-CO-13",),
    ),
    Broken(
        "ubl net total off",
        UBL,
        "BR-CO-13",
        (set_text(f"{_U_TOTAL}/cbc:TaxExclusiveAmount", "314.87"),),
        ("BR-CO-15",),
    ),
    Broken(
        "cii net total off",
        CII,
        "BR-CO-13",
        (set_text(f"{_C_SUM}/ram:TaxBasisTotalAmount", "314.87"),),
        ("BR-CO-15",),
    ),
    Broken(
        "ubl vat total off",
        UBL,
        "BR-CO-14",
        (set_text("cac:TaxTotal/cbc:TaxAmount", "22.05"),),
        ("BR-CO-15",),
    ),
    Broken(
        "cii vat total off",
        CII,
        "BR-CO-14",
        (set_text(f"{_C_SUM}/ram:TaxTotalAmount", "22.05"),),
        ("BR-CO-15",),
    ),
    Broken(
        "ubl vat of a rate wrong",
        UBL,
        "BR-S-09",
        (set_text("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "20.00"),),
        ("BR-CO-14", "BR-CO-17"),
    ),
    Broken(
        "cii vat of a rate wrong",
        CII,
        "BR-S-09",
        (set_text(f"{_C_SETTLE}/ram:ApplicableTradeTax/ram:CalculatedAmount", "20.00"),),
        ("BR-CO-14", "BR-CO-17"),
    ),
    # missing VAT breakdown
    Broken(
        "ubl no vat breakdown",
        UBL,
        "BR-CO-18",
        (remove("cac:TaxTotal/cac:TaxSubtotal"),),
        ("BR-S-01", "PEPPOL-EN16931-R053", "PEPPOL-EN16931-R054"),
    ),
    Broken(
        "cii no vat breakdown",
        CII,
        "BR-CO-18",
        (remove(f"{_C_SETTLE}/ram:ApplicableTradeTax"),),
        ("BR-CO-14",),
    ),
    Broken(
        "ubl no vat rate",
        UBL,
        "BR-DE-14",
        (remove("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent"),),
        ("BR-48", "BR-CO-17", "BR-S-09"),
    ),
    Broken(
        "cii no vat rate",
        CII,
        "BR-DE-14",
        (remove(f"{_C_SETTLE}/ram:ApplicableTradeTax/ram:RateApplicablePercent"),),
        ("BR-48", "BR-CO-17", "BR-S-09"),
    ),
    # code lists (BR-CL-*)
    Broken("ubl type code 999", UBL, "BR-CL-01", (set_text("cbc:InvoiceTypeCode", "999"),)),
    Broken(
        "cii type code 999",
        CII,
        "BR-CL-01",
        (set_text("rsm:ExchangedDocument/ram:TypeCode", "999"),),
    ),
    Broken(
        "ubl currency XYZ",
        UBL,
        "BR-CL-04",
        (set_text("cbc:DocumentCurrencyCode", "XYZ"),),
        ("BR-CO-15",),
    ),
    Broken(
        "cii currency XYZ",
        CII,
        "BR-CL-04",
        (set_text(f"{_C_SETTLE}/ram:InvoiceCurrencyCode", "XYZ"),),
        ("BR-CO-15", "PEPPOL-EN16931-R054"),
    ),
    Broken(
        "ubl country XX",
        UBL,
        "BR-CL-14",
        (set_text(f"{_U_SELLER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode", "XX"),),
    ),
    Broken(
        "cii country XX",
        CII,
        "BR-CL-14",
        (set_text(f"{_C_SELLER}/ram:PostalTradeAddress/ram:CountryID", "XX"),),
    ),
    Broken(
        "cii payment means code 9999",
        CII,
        "BR-CL-16",
        (set_text(f"{_C_MEANS}/ram:TypeCode", "9999"),),
    ),
    # no lines: CII reaches the rule; UBL's own schema already requires a line
    Broken("cii no lines", CII, "BR-16", (remove(_C_LINE, every=True),), ("BR-CO-10", "BR-S-08")),
    Broken("ubl no lines", UBL, "XSD", (remove("cac:InvoiceLine", every=True),)),
    Broken("ubl no issue date", UBL, "XSD", (remove("cbc:IssueDate"),)),
    Broken("ubl issue date not a date", UBL, "XSD", (set_text("cbc:IssueDate", "04.04.2016"),)),
    Broken("cii no invoice number", CII, "XSD", (remove("rsm:ExchangedDocument/ram:ID"),)),
    # mandatory terms
    Broken(
        "ubl no seller name",
        UBL,
        "BR-06",
        (remove(f"{_U_SELLER}/cac:PartyLegalEntity/cbc:RegistrationName"),),
    ),
    Broken("cii no seller name", CII, "BR-06", (remove(f"{_C_SELLER}/ram:Name"),)),
    Broken(
        "ubl no buyer name",
        UBL,
        "BR-07",
        (remove("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity"),),
    ),
    Broken(
        "cii no buyer name", CII, "BR-07", (remove(f"{_C_AGREE}/ram:BuyerTradeParty/ram:Name"),)
    ),
    Broken(
        "ubl line without item name", UBL, "BR-25", (remove("cac:InvoiceLine/cac:Item/cbc:Name"),)
    ),
    Broken(
        "cii line without item name",
        CII,
        "BR-25",
        (remove(f"{_C_LINE}/ram:SpecifiedTradeProduct/ram:Name"),),
    ),
    # XRechnung (BR-DE-*)
    Broken("ubl no seller contact", UBL, "BR-DE-2", (remove(f"{_U_SELLER}/cac:Contact"),)),
    Broken(
        "cii no seller contact", CII, "BR-DE-2", (remove(f"{_C_SELLER}/ram:DefinedTradeContact"),)
    ),
    Broken(
        "ubl no seller city",
        UBL,
        "BR-DE-3",
        (remove(f"{_U_SELLER}/cac:PostalAddress/cbc:CityName"),),
    ),
    Broken(
        "cii no seller city",
        CII,
        "BR-DE-3",
        (remove(f"{_C_SELLER}/ram:PostalTradeAddress/ram:CityName"),),
    ),
    Broken(
        "ubl no seller post code",
        UBL,
        "BR-DE-4",
        (remove(f"{_U_SELLER}/cac:PostalAddress/cbc:PostalZone"),),
    ),
    Broken(
        "cii no seller post code",
        CII,
        "BR-DE-4",
        (remove(f"{_C_SELLER}/ram:PostalTradeAddress/ram:PostcodeCode"),),
    ),
    Broken(
        "ubl no seller contact name", UBL, "BR-DE-5", (remove(f"{_U_SELLER}/cac:Contact/cbc:Name"),)
    ),
    Broken(
        "cii no seller contact name",
        CII,
        "BR-DE-5",
        (remove(f"{_C_SELLER}/ram:DefinedTradeContact/ram:PersonName"),),
    ),
    Broken(
        "ubl no seller phone", UBL, "BR-DE-6", (remove(f"{_U_SELLER}/cac:Contact/cbc:Telephone"),)
    ),
    Broken(
        "cii no seller phone",
        CII,
        "BR-DE-6",
        (remove(f"{_C_SELLER}/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication"),),
    ),
    Broken(
        "ubl no seller email",
        UBL,
        "BR-DE-7",
        (remove(f"{_U_SELLER}/cac:Contact/cbc:ElectronicMail"),),
    ),
    Broken(
        "cii no seller email",
        CII,
        "BR-DE-7",
        (remove(f"{_C_SELLER}/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication"),),
    ),
    Broken("ubl no buyer reference (Leitweg-ID)", UBL, "BR-DE-15", (remove("cbc:BuyerReference"),)),
    Broken(
        "cii no buyer reference (Leitweg-ID)",
        CII,
        "BR-DE-15",
        (remove(f"{_C_AGREE}/ram:BuyerReference"),),
    ),
    Broken(
        "ubl no seller VAT id",
        UBL,
        "BR-DE-16",
        (remove(f"{_U_SELLER}/cac:PartyTaxScheme"),),
        ("BR-S-02",),
    ),
    Broken(
        "cii no seller VAT id",
        CII,
        "BR-DE-16",
        (remove(f"{_C_SELLER}/ram:SpecifiedTaxRegistration"),),
        ("BR-S-02",),
    ),
    Broken("ubl no payment means", UBL, "BR-DE-1", (remove("cac:PaymentMeans"),)),
    Broken("cii no payment means", CII, "BR-DE-1", (remove(_C_MEANS),)),
    Broken(
        "ubl credit transfer without IBAN",
        UBL,
        "BR-DE-23-a",
        (remove("cac:PaymentMeans/cac:PayeeFinancialAccount"),),
        ("BR-61",),
    ),
    Broken(
        "cii credit transfer without IBAN",
        CII,
        "BR-DE-23-a",
        (remove(f"{_C_MEANS}/ram:PayeePartyCreditorFinancialAccount"),),
    ),
)

# Variants that only break "should" rules: the document stays valid.
_IBAN = "DE80000000001234567890"  # check digits wrong
WARNED: tuple[Broken, ...] = (
    Broken(
        "ubl IBAN check digits wrong",
        UBL,
        "BR-DE-19",
        (set_text("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", _IBAN),),
    ),
    Broken(
        "cii IBAN check digits wrong",
        CII,
        "BR-DE-19",
        (set_text(f"{_C_MEANS}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID", _IBAN),),
    ),
    Broken(
        "ubl corrected invoice without preceding invoice",
        UBL,
        "BR-DE-26",
        (set_text("cbc:InvoiceTypeCode", "384"),),
    ),
    Broken(
        "ubl seller email malformed",
        UBL,
        "BR-DE-28",
        (set_text(f"{_U_SELLER}/cac:Contact/cbc:ElectronicMail", "not-an-email"),),
    ),
    # BR-CL-23 is fatal in EN 16931 but a warning in KoSIT's XRechnung configuration
    Broken(
        "ubl unknown unit code",
        UBL,
        "BR-CL-23",
        (set_attr("cac:InvoiceLine/cbc:InvoicedQuantity", "unitCode", "QQQ"),),
    ),
)
