"""Mapping files: loading, errors naming the file, and the shipped mappings against their examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.formats.mapping import MappingSpecError, case_document, check_mapping, load_mapping
from hub.runtime.local import PROJECT_ROOT
from hub.sdk.testing import load_samples

MAPPINGS = PROJECT_ROOT / "config" / "mappings"
SHIPPED = {
    "gewerbe-anmelden-xgewerbeanzeige.yaml": "gewerbe-anmelden-bensheim.json",
    "geburtsurkunde-standesamt.yaml": "geburtsurkunde-viernheim.json",
}


def test_every_shipped_mapping_file_is_listed_here() -> None:
    assert set(SHIPPED) == {p.name for p in MAPPINGS.glob("*.yaml")}


@pytest.mark.parametrize(("mapping", "example"), sorted(SHIPPED.items()))
def test_shipped_mappings_have_no_errors_and_map_their_example(mapping: str, example: str) -> None:
    spec = load_mapping(mapping, MAPPINGS)
    sample = next(s for s in load_samples("procedure.rest") if s.name == example)

    problems = check_mapping(spec, [case_document(sample.request)])

    assert [] == [p for p in problems if p.severity == "error" or p.code == "example_fails"]


def test_a_file_name_may_leave_off_the_extension() -> None:
    assert load_mapping("geburtsurkunde-standesamt", MAPPINGS) == load_mapping(
        "geburtsurkunde-standesamt.yaml", MAPPINGS
    )


def test_inline_rules_need_no_file() -> None:
    spec = load_mapping([{"target": "a", "const": 1}], Path("/nonexistent"))

    assert "a" == spec.mapping[0].target


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "mapping: [{target: a, from: /x, convert: dat}]",
            "mapping.0.convert.0: unknown conversion 'dat'",
        ),
        ("mapping: [{target: a, from: x}]", "mapping.0.from: JSON pointer 'x' must start with '/'"),
        ("mapping: [{target: a", "expected ',' or '}'"),
        ("mapping: []", "mapping: List should have at least 1 item"),
    ],
)
def test_broken_files_are_named_with_the_rule_at_fault(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "broken.yaml").write_text(content)

    with pytest.raises(MappingSpecError) as info:
        load_mapping("broken", tmp_path)
    assert str(tmp_path / "broken.yaml") in str(info.value)
    assert message in str(info.value)


def test_unknown_files_and_paths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MappingSpecError, match="cannot read"):
        load_mapping("missing", tmp_path)
    with pytest.raises(MappingSpecError, match="no path"):
        load_mapping("../tenants/bensheim.yaml", tmp_path)
