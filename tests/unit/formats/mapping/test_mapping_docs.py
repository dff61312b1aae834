"""docs/mappings.md documents every conversion, rule key and part of the case document."""

from __future__ import annotations

import pytest

from hub.formats.mapping import FieldRule, case_document
from hub.formats.mapping.spec import PARAMETRISED_CONVERSIONS, SIMPLE_CONVERSIONS
from hub.runtime.local import PROJECT_ROOT
from hub.sdk.testing import load_samples

DOC = (PROJECT_ROOT / "docs" / "mappings.md").read_text()


@pytest.mark.parametrize("name", [*SIMPLE_CONVERSIONS, *PARAMETRISED_CONVERSIONS])
def test_every_conversion_is_documented(name: str) -> None:
    assert f"`{name}`" in DOC or f"`{{{name}:" in DOC


@pytest.mark.parametrize("key", sorted(f.alias or n for n, f in FieldRule.model_fields.items()))
def test_every_rule_key_is_documented(key: str) -> None:
    assert f"`{key}`" in DOC or f"`{key} +" in DOC or f"+ `{key}`" in DOC


def test_every_pointer_of_the_case_document_is_documented() -> None:
    sample = next(s for s in load_samples("procedure.rest") if s.name.startswith("gewerbe"))
    doc = case_document(sample.request)
    for part, value in doc.items():
        keys = value.keys() if isinstance(value, dict) and part != "formData" else [""]
        for key in keys:
            pointer = f"/{part}/{key}" if key else f"/{part}/"
            assert pointer in DOC or f"{key}`" in DOC, pointer
