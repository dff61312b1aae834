"""hub.reporting.page: one self-contained page that opens without network access."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from defusedxml import ElementTree

from hub.reporting.page import de_duration, de_number, de_percent, to_html
from hub.reporting.period import Period
from hub.reporting.reasons import explain, label_de
from hub.reporting.report import build_report
from hub.reporting.services import Names

from .synthetic import END, generate

SVG_NS = "{http://www.w3.org/2000/svg}"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def page() -> str:
    report = build_report(generate(), Period(END - timedelta(days=60), END), generated_at=END)
    return to_html(report, Names(tenants={"kreis-bergstrasse": "Kreis Bergstraße"}))


def test_page_has_no_script_and_loads_nothing_from_elsewhere(page: str) -> None:
    parsed = _Collector()
    parsed.feed(page)

    assert "script" not in parsed.tags
    assert "link" not in parsed.tags
    assert [] == [r for r in parsed.refs if not r.startswith("#")]
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", page)
    assert not re.search(r"@import", page)


def test_page_holds_three_charts_as_well_formed_inline_svg(page: str) -> None:
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)

    assert 3 == len(svgs)
    for svg in svgs:
        root = ElementTree.fromstring(svg)
        assert f"{SVG_NS}svg" == root.tag
        assert len(list(root.iter(f"{SVG_NS}text"))) > 5  # axes and legends were drawn


def test_page_says_the_headline_and_names_every_tenant(page: str) -> None:
    parsed = _Collector()
    parsed.feed(page)
    text = " ".join(parsed.text)

    assert re.search(r"\d+\u00a0% von 420 Fällen ohne Medienbruch", text)
    assert "Kreis Bergstraße" in text
    assert {"bensheim", "mrn", "viernheim"} <= set(text.split())  # tenants without a name
    assert "Gewerbe anmelden" in text  # services by name, not by key


def test_page_explains_every_reason_it_shows(page: str) -> None:
    for reason in ("manual_route", "gave_up:timeout", "rejected:http_422", "quarantined:no_route"):
        assert label_de(reason) in page
        assert explain(reason).de[1:] in page


def test_empty_period_page_says_so_without_charts() -> None:
    empty = build_report([], Period(END - timedelta(days=7), END))

    page = to_html(empty)

    assert "kein Fall abgeschlossen" in page
    assert "<svg" not in page


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (de_number(1234.5, 1), "1.234,5"),
        (de_percent(0.873), "87\u00a0%"),
        (de_duration(5400), "1,5 h"),
    ],
)
def test_numbers_are_written_the_german_way(value: str, text: str) -> None:
    assert text == value
