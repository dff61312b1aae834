"""Validation against the official rules: the official test suite is the outside oracle."""

from __future__ import annotations

from pathlib import Path

import pytest
from xrechnung_cases import (
    CII,
    EXAMPLES,
    SDK_SAMPLES,
    UBL,
    Broken,
    set_text,
    suite_files,
    validator,
    variant,
)
from xrechnung_variants import BROKEN, WARNED

import hub.formats.xrechnung as package
from hub.formats.xrechnung import (
    RULES_DIR_ENV,
    XRECHNUNG_30_EXTENSION,
    Finding,
    RulesNotFoundError,
    UnsupportedSpecificationError,
    XRechnungValidator,
    default_rules_dir,
)
from hub.formats.xrechnung.report import compact_location

CII_SPEC = "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"


def test_the_official_test_suite_is_present() -> None:
    files = suite_files()

    assert len(files) >= 60
    assert any(f.name.endswith("_ubl.xml") for f in files)
    assert any(f.name.endswith("_uncefact.xml") for f in files)


@pytest.mark.parametrize("path", suite_files() + EXAMPLES, ids=lambda p: p.name)
def test_valid_instance_has_no_fatal_finding(path: Path) -> None:
    report = validator().validate(path.read_bytes())

    assert [] == [f for f in report.findings if f.severity == "fatal"]
    assert report.valid
    assert "EN16931 1.3.15, XRechnung 3.0.2" in report.rules


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_sdk_sample_invoices_are_the_examples(path: Path) -> None:
    assert path.read_bytes() == (SDK_SAMPLES / path.name).read_bytes()


def test_there_are_at_least_thirty_broken_variants_in_both_syntaxes() -> None:
    assert len(BROKEN) >= 30
    assert {UBL, CII} == {case.source for case in BROKEN}


@pytest.mark.parametrize("case", BROKEN, ids=lambda c: c.name)
def test_broken_variant_fires_exactly_its_rule(case: Broken) -> None:
    report = validator().validate(case.document())

    assert not report.valid
    assert case.rule in report.rule_ids("fatal")
    assert {case.rule, *case.cascade} == report.rule_ids("fatal")


@pytest.mark.parametrize("case", WARNED, ids=lambda c: c.name)
def test_a_warning_never_makes_the_invoice_invalid(case: Broken) -> None:
    report = validator().validate(case.document())

    assert case.rule in report.rule_ids("warning")
    assert report.valid


@pytest.mark.parametrize(
    "specification",
    [
        "urn:cen.eu:en16931:2017",
        "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_2.3",
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
    ],
)
@pytest.mark.parametrize("source", [UBL, CII], ids=["ubl", "cii"])
def test_a_specification_that_is_not_xrechnung_3_is_refused(
    source: Path, specification: str
) -> None:
    path = "cbc:CustomizationID" if source == UBL else CII_SPEC
    document = variant(source, set_text(path, specification))

    with pytest.raises(UnsupportedSpecificationError, match="BT-24"):
        validator().validate(document)


@pytest.mark.parametrize("source", [UBL, CII], ids=["ubl", "cii"])
def test_the_extension_specification_is_validated_by_the_xrechnung_rules(source: Path) -> None:
    path = "cbc:CustomizationID" if source == UBL else CII_SPEC
    report = validator().validate(variant(source, set_text(path, XRECHNUNG_30_EXTENSION)))

    assert XRECHNUNG_30_EXTENSION == report.specification
    assert report.valid


def test_schema_errors_are_findings_with_line_and_path_and_stop_the_schematron() -> None:
    report = validator().validate(variant(UBL, set_text("cbc:IssueDate", "04.04.2016")))

    assert 1 == len(report.findings)
    finding = report.findings[0]
    assert ("XSD", "fatal", "xsd") == (finding.rule_id, finding.severity, finding.source)
    assert "line " in finding.location
    assert finding.location.endswith("cbc:IssueDate")
    assert "04.04.2016" in finding.text


def test_a_schematron_finding_carries_id_location_text_and_source() -> None:
    report = validator().validate(variant(UBL, set_text("cbc:InvoiceTypeCode", "999")))

    assert (
        Finding(
            rule_id="BR-CL-01",
            severity="fatal",
            location="/ubl:Invoice[1]/cbc:InvoiceTypeCode[1]",
            text=report.fatal[0].text,
            source="en16931",
        )
        == report.fatal[0]
    )
    assert report.fatal[0].text.startswith("[BR-CL-01]")


def test_xrechnung_rules_are_reported_as_their_own_source() -> None:
    case = next(c for c in BROKEN if c.rule == "BR-DE-15")
    report = validator().validate(case.document())

    assert ["xrechnung"] == [f.source for f in report.fatal]


def test_report_json_has_every_field() -> None:
    report = validator().validate(UBL.read_bytes())
    data = report.to_json()

    assert {"valid", "specification", "syntax", "rules", "seconds", "findings"} == set(data)
    assert (True, "ubl") == (data["valid"], data["syntax"])
    assert all(
        {"rule_id", "severity", "location", "text", "source"} == set(f) for f in data["findings"]
    )
    assert 0 < data["seconds"] < 5


def test_locations_with_unknown_namespaces_stay_as_saxon_wrote_them() -> None:
    raw = "/*:Invoice[namespace-uri()='urn:example'][1]"

    assert raw == compact_location(raw)


def test_rules_dir_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(RULES_DIR_ENV, str(tmp_path))

    assert tmp_path == default_rules_dir()
    with pytest.raises(RulesNotFoundError, match=r"scripts/xrechnung\.sh fetch"):
        XRechnungValidator()


def test_the_public_surface_is_exactly_all() -> None:
    public = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and not isinstance(value, type(package))
    }

    assert set(package.__all__) == public
