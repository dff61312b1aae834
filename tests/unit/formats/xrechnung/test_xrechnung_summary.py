"""The finance summary, checked against the intake's own header parser and the totals' arithmetic."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from xrechnung_cases import CII, EXAMPLES, UBL, suite_files, validator

from hub.formats.xrechnung import summarize
from hub.intake.invoice import parse_invoice


def _amount(value: str | None) -> Decimal:
    return Decimal(value) if value is not None else Decimal(0)


@pytest.mark.parametrize("path", suite_files() + EXAMPLES, ids=lambda p: p.name)
def test_summary_agrees_with_the_document(path: Path) -> None:
    data = path.read_bytes()
    header = parse_invoice(data)
    summary = summarize(data)

    assert header.invoice_number == summary["invoice_number"]
    assert header.issue_date.isoformat() == summary["issue_date"]
    assert header.currency == summary["currency"]
    assert header.buyer_reference == summary["buyer_reference"]
    assert header.type_code == summary["type_code"]
    assert header.payable_amount == summary["payable_amount"]
    # BT-112 = BT-109 + BT-110; BT-115 = BT-112 - BT-113 + BT-114
    assert _amount(summary["gross_amount"]) == _amount(summary["net_amount"]) + _amount(
        summary["tax_amount"]
    )
    assert _amount(summary["payable_amount"]) == _amount(summary["gross_amount"]) - _amount(
        summary["prepaid_amount"]
    ) + _amount(summary["rounding_amount"])


@pytest.mark.parametrize("source", [UBL, CII], ids=["ubl", "cii"])
def test_summary_of_the_first_suite_case(source: Path) -> None:
    summary = summarize(source.read_bytes())

    assert {
        "invoice_number": "123456XX",
        "issue_date": "2016-04-04",
        "due_date": None,
        "type_code": "380",
        "currency": "EUR",
        "buyer_reference": "04011000-12345-03",
        "seller_name": "[Seller name]",
        "seller_vat_id": "DE 123456789",
        "buyer_name": "[Buyer name]",
        "net_amount": "314.86",
        "tax_amount": "22.04",
        "gross_amount": "336.9",
        "payable_amount": "336.9",
        "iban": "DE79000000001234567890",
        "payment_means_code": "58",
    }.items() <= summary.items()
    assert ("ubl" if source == UBL else "cii") == summary["syntax"]


def test_a_tax_number_is_not_taken_for_the_vat_id() -> None:
    # 01.04a names only the seller's tax number (BT-32, scheme "FC"), no VAT id (BT-31)
    summary = summarize((UBL.parent / "01.04a-INVOICE_ubl.xml").read_bytes())

    assert summary["seller_vat_id"] is None


def test_summary_has_a_due_date_when_the_invoice_has_one() -> None:
    dated = [summarize(p.read_bytes())["due_date"] for p in suite_files()]

    assert any(d is not None for d in dated)
    assert all(d is None or (len(d) == 10 and d[4] == "-") for d in dated)


def test_summary_carries_the_callers_validation() -> None:
    data = UBL.read_bytes()
    report = validator().validate(data)
    summary = summarize(data, report)

    assert summary["validation"]["valid"] is True
    assert report.rules == summary["validation"]["rules"]
    assert 0 == summary["validation"]["fatal"]
    assert len(report.findings) == len(summary["validation"]["findings"])
