"""Applying a mapping: sources, defaults, required fields, lists; all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from hub.formats.mapping import MappingError, MappingSpec, apply_mapping

CASE: dict[str, Any] = {
    "meta": {"caseId": "c-1", "submissionId": "CIV-1"},
    "service": {"leikaId": "99027002012000", "name": "Geburtsurkunde ausstellen"},
    "applicant": {"givenName": "Mira", "familyName": "Schäfer"},
    "formData": {
        "kind": {"geburtsdatum": "2026-01-05"},
        "urkundenart": "geburtsurkunde",
        "leer": "",
    },
    "attachments": [{"filename": "a.pdf", "size": 3}, {"filename": "b.pdf", "size": 4}],
}


def apply(rules: list[dict[str, Any]], case: dict[str, Any] = CASE) -> dict[str, Any]:
    return apply_mapping(MappingSpec.model_validate(rules), case)


def test_the_documented_example_mapping() -> None:
    rules = [
        {"target": "antragsteller.vorname", "from": "/applicant/givenName", "required": True},
        {
            "target": "geburtsdatum",
            "from": "/formData/kind/geburtsdatum",
            "convert": {"date": {"to": "%d.%m.%Y"}},
        },
        {
            "target": "art",
            "from": "/formData/urkundenart",
            "convert": {"enum": {"map": {"geburtsurkunde": "GU"}, "default": "SONST"}},
        },
        {"target": "betreff", "concat": ["/service/name", " ", "/meta/submissionId"]},
        {"target": "quelle", "const": "civento"},
    ]

    assert {
        "antragsteller": {"vorname": "Mira"},
        "geburtsdatum": "05.01.2026",
        "art": "GU",
        "betreff": "Geburtsurkunde ausstellen CIV-1",
        "quelle": "civento",
    } == apply(rules)


def test_pointer_targets_allow_dots_in_names() -> None:
    assert {"identifikation.nachricht": {"id": "c-1"}} == apply(
        [{"target": "/identifikation.nachricht/id", "from": "/meta/caseId"}]
    )


def test_optional_missing_values_are_left_out_and_defaults_fill_in() -> None:
    rules = [
        {"target": "a", "from": "/nope"},
        {"target": "b", "from": "/formData/leer"},
        {"target": "c", "from": "/nope", "default": 0},
        {"target": "d", "from": "/nope", "default": None},
    ]

    assert {"c": 0, "d": None} == apply(rules)


@pytest.mark.parametrize("pointer", ["/applicant/birthDate", "/formData/leer"])
def test_a_missing_required_value_names_target_and_pointer(pointer: str) -> None:
    with pytest.raises(MappingError) as info:
        apply([{"target": "person.geburtsdatum", "from": pointer, "required": True}])

    assert ("person.geburtsdatum", pointer) == (info.value.target, info.value.pointer)
    assert "required value missing" == info.value.message


def test_a_failing_conversion_is_a_mapping_error_without_the_value() -> None:
    with pytest.raises(MappingError) as info:
        apply([{"target": "x", "from": "/applicant/familyName", "convert": "date"}])

    assert "x" == info.value.target
    assert "Schäfer" not in str(info.value)


def test_conversions_run_in_order() -> None:
    rules = [
        {"target": "x", "const": "  geburtsurkunde ", "convert": ["trim", "upper", {"truncate": 3}]}
    ]

    assert {"x": "GEB"} == apply(rules)


def test_concat_skips_missing_parts_and_is_absent_when_all_are() -> None:
    rules = [
        {
            "target": "name",
            "concat": ["/applicant/givenName", "/applicant/middle", "/applicant/familyName"],
            "separator": " ",
        },
        {"target": "none", "concat": ["/a", "/b"], "required": False},
        {"target": "slash", "concat": [{"const": "/"}, "/meta/caseId"]},
    ]

    assert {"name": "Mira Schäfer", "slash": "/c-1"} == apply(rules)


def test_each_maps_every_element_with_pointers_relative_to_it() -> None:
    rules = [
        {
            "target": "anlagen",
            "each": "/attachments",
            "mapping": [
                {"target": "name", "from": "/filename", "convert": "upper"},
                {"target": "bytes", "from": "/size"},
            ],
        }
    ]

    assert {"anlagen": [{"name": "A.PDF", "bytes": 3}, {"name": "B.PDF", "bytes": 4}]} == apply(
        rules
    )


def test_each_reports_the_element_that_fails() -> None:
    case = {**CASE, "attachments": [{"filename": "a.pdf"}, {}]}
    rules = [
        {
            "target": "anlagen",
            "each": "/attachments",
            "mapping": [{"target": "name", "from": "/filename", "required": True}],
        }
    ]

    with pytest.raises(MappingError) as info:
        apply(rules, case)
    assert "anlagen[1].name" == info.value.target


def test_each_of_an_empty_or_missing_list_is_absent_and_of_a_non_list_an_error() -> None:
    sub = [{"target": "n", "from": "/filename"}]
    assert {} == apply([{"target": "l", "each": "/nope", "mapping": sub}])
    assert {} == apply(
        [{"target": "l", "each": "/attachments", "mapping": sub}], {"attachments": []}
    )
    with pytest.raises(MappingError, match="is not a list"):
        apply([{"target": "l", "each": "/meta", "mapping": sub}])


def test_when_fills_a_field_only_if_its_pointer_has_a_value() -> None:
    rules = [
        {"target": "kanal", "const": "01", "when": "/applicant/email"},
        {"target": "vorhanden", "const": "ja", "when": "/applicant/givenName"},
    ]

    assert {"vorhanden": "ja"} == apply(rules)


@pytest.mark.parametrize(
    "rules",
    [
        [{"target": "a"}],
        [{"target": "a", "from": "/x", "const": 1}],
        [{"target": "a", "each": "/x"}],
        [{"target": "a", "from": "/x", "required": True, "default": 1}],
        [{"target": "a.b", "const": 1}, {"target": "a", "const": 2}],
        [{"target": "a", "const": 1}, {"target": "a", "const": 2}],
        [{"target": "a", "from": "/x", "fallback": 1}],
        [],
    ],
)
def test_ill_formed_rules_are_refused(rules: list[dict[str, Any]]) -> None:
    with pytest.raises(ValidationError):
        MappingSpec.model_validate(rules)


_values = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=8),
    st.integers(),
    st.booleans(),
    st.sampled_from(["2026-01-05", "05.01.2026", "geburtsurkunde"]),
)
_case = st.fixed_dictionaries(
    {"formData": st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), _values)}
)
_RULES = MappingSpec.model_validate(
    [
        {"target": "out.a", "from": "/formData/a", "required": True},
        {"target": "out.b", "from": "/formData/b", "convert": {"date": {"to": "%d.%m.%Y"}}},
        {
            "target": "out.c",
            "from": "/formData/c",
            "convert": {"enum": {"map": {"geburtsurkunde": "GU"}}},
        },
        {"target": "d", "from": "/formData/d", "convert": "integer", "default": 0},
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_case)
def test_a_mapping_yields_everything_or_nothing(case: dict[str, Any]) -> None:
    try:
        result = apply_mapping(_RULES, case)
    except MappingError as exc:
        assert exc.target in {"out.a", "out.b", "out.c", "d"}
        return
    assert result["out"]["a"] not in (None, "")
    assert isinstance(result["d"], int)
    for key in ("b", "c"):
        if case["formData"].get(key) not in (None, ""):
            assert key in result["out"]
