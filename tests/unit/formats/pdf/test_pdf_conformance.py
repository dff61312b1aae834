"""PDF/A-2u conformance of every rendering, judged by veraPDF (the reference validator).

veraPDF comes from Maven Central through ``scripts/verapdf.sh`` (fetched into
``.cache/verapdf`` on first use) and runs once over all PDFs of the session.
"""

from __future__ import annotations

import pytest
from weasyprint import HTML

from tests.unit.factories import EXAMPLE_STEMS
from tests.unit.formats.pdf.pdfcheck import Case, Verdict, large_raw, render_case, run_verapdf

NAMES = [*EXAMPLE_STEMS, "torture", "cover", "torture-cover", "large"]


@pytest.fixture(scope="module")
def verdicts(
    cases: dict[str, Case], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Verdict]:
    folder = tmp_path_factory.mktemp("conformance")
    large = render_case("large", large_raw(), "kreis-bergstrasse", folder)
    # the oracle must be able to say no: the same engine without the PDF/A variant
    plain = folder / "plain.pdf"
    plain.write_bytes(HTML(string="<p>Kein PDF/A</p>").write_pdf())
    return run_verapdf([*(c.path for c in cases.values()), large.path, plain])


@pytest.mark.parametrize("name", NAMES)
def test_rendering_is_pdfa_2u_compliant(verdicts: dict[str, Verdict], name: str) -> None:
    verdict = verdicts[name]
    assert verdict.profile == "PDF/A-2U validation profile"
    assert verdict.failed_rules == ()
    assert verdict.compliant


def test_verapdf_rejects_a_pdf_that_is_not_pdfa(verdicts: dict[str, Verdict]) -> None:
    verdict = verdicts["plain"]
    assert not verdict.compliant
    assert any(rule.startswith("6.6.2.1") for rule in verdict.failed_rules)  # no XMP metadata
