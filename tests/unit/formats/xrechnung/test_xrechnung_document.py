"""Hostile XML is refused before any schema or stylesheet sees it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from xrechnung_cases import CII, UBL, validator

from hub.formats.xrechnung import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_ELEMENTS,
    HostileXmlError,
    MalformedXmlError,
    UnsupportedSpecificationError,
    XRechnungValidator,
    summarize,
)
from hub.formats.xrechnung.document import parse

UBL_OPEN = b'<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'


class SpyStylesheet:
    """Stands in for a compiled stylesheet and counts the transformations asked of it."""

    calls = 0

    def transform_to_string(self, **_: Any) -> str:
        SpyStylesheet.calls += 1
        return '<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl"/>'


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> XRechnungValidator:
    """The shared validator with every stylesheet replaced by a spy."""
    shared = validator()
    spies = {path: SpyStylesheet() for path in shared._stylesheets}
    monkeypatch.setattr(shared, "_stylesheets", spies)
    SpyStylesheet.calls = 0
    return shared


def _into(source: Path, snippet: bytes) -> bytes:
    """``source`` with ``snippet`` inserted as the root's first child."""
    data = source.read_bytes()
    end = data.index(b">", data.index(b"<ubl:Invoice" if source == UBL else b"<rsm:Cross")) + 1
    return data[:end] + snippet + data[end:]


def _with_prolog(source: Path, prolog: bytes) -> bytes:
    data = source.read_bytes()
    start = data.index(b"?>") + 2
    return data[:start] + prolog + data[start:]


LAUGHS = (
    b'<!DOCTYPE ubl:Invoice [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
)
HOSTILE = {
    "entity expansion (billion laughs)": (_with_prolog(UBL, LAUGHS), "dtd"),
    "external entity": (
        _with_prolog(UBL, b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'),
        "dtd",
    ),
    "external DTD": (
        _with_prolog(CII, b'<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd">'),
        "dtd",
    ),
    "bare DOCTYPE": (_with_prolog(UBL, b"<!DOCTYPE ubl:Invoice>"), "dtd"),
    "XInclude": (
        _into(UBL, b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"/>'),
        "xinclude",
    ),
    "depth bomb": (_into(CII, b"<a>" * 100_000 + b"</a>" * 100_000), "too_deep"),
    "element flood": (
        UBL_OPEN + b"<a/>" * (MAX_ELEMENTS + 1) + b"</ubl:Invoice>",
        "too_many_elements",
    ),
    "oversized": (UBL_OPEN + b" " * MAX_DOCUMENT_BYTES + b"</ubl:Invoice>", "too_large"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_is_refused_before_any_stylesheet_runs(
    name: str, spied: XRechnungValidator
) -> None:
    document, reason = HOSTILE[name]
    started = time.perf_counter()

    with pytest.raises(HostileXmlError) as refused:
        spied.validate(document)

    assert reason == refused.value.reason
    assert 0 == SpyStylesheet.calls
    assert time.perf_counter() - started < 5


def test_the_spy_does_see_a_harmless_invoice(spied: XRechnungValidator) -> None:
    spied.validate(UBL.read_bytes())

    assert 2 == SpyStylesheet.calls  # EN 16931, then XRechnung


def test_nesting_up_to_the_limit_is_accepted() -> None:
    # root + 63 nested levels = MAX_DEPTH; one more is refused
    ok = UBL_OPEN + b"<a>" * (MAX_DEPTH - 1) + b"</a>" * (MAX_DEPTH - 1) + b"</ubl:Invoice>"
    too_deep = UBL_OPEN + b"<a>" * MAX_DEPTH + b"</a>" * MAX_DEPTH + b"</ubl:Invoice>"

    assert "ubl" == parse(ok).syntax
    with pytest.raises(HostileXmlError, match="deeper"):
        parse(too_deep)


def test_summary_refuses_hostile_xml_too() -> None:
    with pytest.raises(HostileXmlError):
        summarize(HOSTILE["entity expansion (billion laughs)"][0])


@pytest.mark.parametrize("document", [b"", b"<ubl:Invoice", b"<a>&undeclared;</a>", b"\xff\xfe<"])
def test_malformed_xml_is_its_own_error(document: bytes) -> None:
    with pytest.raises(MalformedXmlError, match="not well-formed"):
        parse(document)


def test_a_document_that_is_no_invoice_is_unsupported() -> None:
    with pytest.raises(UnsupportedSpecificationError, match="neither UBL"):
        parse(b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>')


def test_refusals_carry_a_problem_kind_for_intake() -> None:
    assert "forbidden_xml" == HostileXmlError("dtd", "x").kind
    assert "malformed_xml" == MalformedXmlError("x").kind
    assert "unsupported_specification" == UnsupportedSpecificationError("x").kind


def test_schema_location_hints_in_the_document_are_not_followed() -> None:
    hint = (
        b'<ubl:Invoice xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation='
        b'"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2 http://example.invalid/x.xsd" '
    )
    document = UBL.read_bytes().replace(b"<ubl:Invoice ", hint, 1)

    report = validator().validate(document)

    assert report.valid
    assert "XSD" not in report.rule_ids()
