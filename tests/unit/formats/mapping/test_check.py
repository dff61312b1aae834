"""check_mapping: broken mappings are errors, pointers that miss every example are warnings."""

from __future__ import annotations

from typing import Any

import pytest

from hub.formats.mapping import check_mapping

EXAMPLE = {"applicant": {"givenName": "Mira"}, "attachments": [{"filename": "a.pdf"}]}


def codes(problems: list[Any]) -> list[tuple[str, str, str]]:
    return [(p.severity, p.where, p.code) for p in problems]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            [{"target": "a", "from": "/x", "convert": "dat"}],
            ("error", "mapping.0.convert.0", "unknown_conversion"),
        ),
        (
            [{"target": "a", "from": "/x", "convert": {"zip": {}}}],
            ("error", "mapping.0.convert.0", "unknown_conversion"),
        ),
        (
            [{"target": "a", "from": "/x", "convert": [{"date": {"to": "%Q"}}]}],
            ("error", "mapping.0.convert.0.date.to", "unknown_conversion"),
        ),
        ([{"target": "a", "from": "applicant"}], ("error", "mapping.0.from", "bad_pointer")),
        ([{"target": "a", "from": "/a~2b"}], ("error", "mapping.0.from", "bad_pointer")),
        (
            [{"target": "a", "concat": ["/ok", "/bad~"]}],
            ("error", "mapping.0.concat", "bad_pointer"),
        ),
        ([{"target": "a..b", "const": 1}], ("error", "mapping.0.target", "bad_pointer")),
        (
            [{"target": "a", "each": "/l", "mapping": [{"target": "b", "from": "x"}]}],
            ("error", "mapping.0.mapping.0.from", "bad_pointer"),
        ),
        ([{"target": "a", "form": "/x"}], ("error", "mapping.0", "extra_forbidden")),
        (
            [{"target": "a", "const": 1}, {"target": "a", "const": 2}],
            ("error", "mapping", "target_conflict"),
        ),
    ],
)
def test_broken_mappings_are_errors_with_their_location(
    rules: list[dict[str, Any]], expected: tuple[str, str, str]
) -> None:
    problems = check_mapping(rules, [EXAMPLE])

    assert expected in codes(problems), problems
    assert all(p.severity == "error" for p in problems)


def test_pointers_resolving_on_no_example_are_warnings() -> None:
    rules = [
        {"target": "a", "from": "/applicant/givenName"},
        {"target": "b", "from": "/applicant/gievnName"},
        {"target": "c", "concat": ["/applicant/givenName", "/formData/x"]},
        {"target": "d", "each": "/attachments", "mapping": [{"target": "n", "from": "/filenmae"}]},
    ]

    assert [
        ("warning", "mapping.1", "pointer_unused"),
        ("warning", "mapping.2", "pointer_unused"),
        ("warning", "mapping.3.mapping.0", "pointer_unused"),
    ] == codes(check_mapping(rules, [EXAMPLE, {"applicant": {}}]))


def test_a_pointer_is_fine_when_any_one_example_has_it() -> None:
    rules = [{"target": "a", "from": "/applicant/familyName"}]

    assert [] == check_mapping(rules, [EXAMPLE, {"applicant": {"familyName": "Schäfer"}}])


def test_examples_the_mapping_fails_on_are_warnings() -> None:
    rules = [
        {"target": "a", "from": "/applicant/givenName", "required": True, "convert": "integer"}
    ]

    assert [("warning", "example 0", "example_fails")] == codes(check_mapping(rules, [EXAMPLE]))


def test_without_examples_only_syntax_is_checked() -> None:
    assert [] == check_mapping([{"target": "a", "from": "/nowhere"}])
