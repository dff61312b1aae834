"""The HTML page for finance: complete, self-contained, and every value escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html
from xrechnung_cases import CII, UBL, set_text, suite_files, validator, variant

from hub.formats.xrechnung import render_html, summarize

SCRIPT = "<script>alert('x')</script>"


@pytest.mark.parametrize("source", [UBL, CII], ids=["ubl", "cii"])
def test_page_shows_parties_lines_totals_and_payment(source: Path) -> None:
    data = source.read_bytes()
    page = html.fromstring(render_html(data, summarize(data, validator().validate(data))))
    text = page.text_content()

    for expected in (
        "Rechnung 123456XX",
        "[Seller name]",
        "[Buyer name]",
        "Zeitschrift [...]",
        "Porto + Versandkosten",
        "336.9",
        "DE79000000001234567890",
        "04011000-12345-03",
        "Gültig",
    ):
        assert expected in text
    assert 2 == len(page.xpath("//table[1]/tbody/tr"))


@pytest.mark.parametrize(
    ("source", "path"),
    [
        (UBL, "cac:InvoiceLine/cac:Item/cbc:Name"),
        (CII, "rsm:ExchangedDocument/ram:ID"),
    ],
    ids=["ubl", "cii"],
)
def test_markup_in_a_field_appears_as_text(source: Path, path: str) -> None:
    data = variant(source, set_text(path, SCRIPT))
    rendered = render_html(data, summarize(data))
    page = html.fromstring(rendered)

    assert [] == page.xpath("//script")
    assert b"<script>" not in rendered
    assert SCRIPT in page.text_content()


def test_page_loads_nothing_from_outside() -> None:
    data = UBL.read_bytes()
    page = html.fromstring(render_html(data, summarize(data)))

    assert [] == page.xpath("//script | //link | //img | //iframe | //@src | //@href")
    assert "default-src 'none'" in page.xpath("//meta[@http-equiv]/@content")[0]


def test_an_invalid_invoice_shows_its_findings() -> None:
    data = variant(UBL, set_text("cbc:InvoiceTypeCode", "999"))
    text = html.fromstring(
        render_html(data, summarize(data, validator().validate(data)))
    ).text_content()

    assert "Ungültig" in text
    assert "BR-CL-01" in text


@pytest.mark.parametrize("path", suite_files(), ids=lambda p: p.name)
def test_every_suite_invoice_renders_with_all_its_lines(path: Path) -> None:
    data = path.read_bytes()
    page = html.fromstring(render_html(data, summarize(data)))

    lines = path.read_bytes().count(b"<cac:InvoiceLine>") + path.read_bytes().count(
        b"<ram:IncludedSupplyChainTradeLineItem>"
    )
    assert lines == len(page.xpath("//h2[.='Positionen']/following-sibling::table[1]/tbody/tr"))
