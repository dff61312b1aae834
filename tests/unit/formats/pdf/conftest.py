"""Shared cases for the PDF rendering tests: the examples, a multi-script case, cover sheets.

Rendering is the slow part (fonts load once per process, each PDF takes a fraction of a
second), so every case is rendered once per session.
"""

from __future__ import annotations

import pytest

from tests.unit.factories import EXAMPLE_STEMS, EXPECTED_TENANT, load_example
from tests.unit.formats.pdf.pdfcheck import Case, render_case, torture_raw


@pytest.fixture(scope="session")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    """Every example, the multi-script case and a cover sheet, rendered once."""
    folder = tmp_path_factory.mktemp("pdf")
    rendered = {
        stem: render_case(stem, load_example(stem), EXPECTED_TENANT[stem], folder)
        for stem in EXAMPLE_STEMS
    }
    rendered["torture"] = render_case("torture", torture_raw(), "bensheim", folder)
    rendered["cover"] = render_case(
        "cover", load_example("gewerbe-anmelden-bensheim"), "bensheim", folder, cover=True
    )
    rendered["torture-cover"] = render_case(
        "torture-cover", torture_raw(), "bensheim", folder, cover=True
    )
    return rendered
