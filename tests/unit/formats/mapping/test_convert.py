"""Every conversion, with what it accepts and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from hub.formats.mapping.convert import _STEPS, ConversionError, apply_conversion
from hub.formats.mapping.spec import PARAMETRISED_CONVERSIONS, SIMPLE_CONVERSIONS, Conversion


def run(step: Any, value: Any) -> Any:
    return apply_conversion(value, Conversion.model_validate(step))


def test_every_known_conversion_has_an_implementation() -> None:
    assert set(SIMPLE_CONVERSIONS) | set(PARAMETRISED_CONVERSIONS) == set(_STEPS)


@pytest.mark.parametrize(
    ("step", "value", "expected"),
    [
        ("trim", "  Bensheim \n", "Bensheim"),
        ("upper", "de", "DE"),
        ("lower", "GU", "gu"),
        ("string", 12, "12"),
        ("string", True, "true"),
        ("string", 2.0, "2"),
        ("integer", "42", 42),
        ("integer", 7, 7),
        ("integer", 3.0, 3),
        ({"truncate": 5}, "Eheschließung", "Ehesc"),
        ({"pad": {"width": 2}}, "1", "01"),
        ({"pad": {"width": 4, "char": " "}}, 7, "   7"),
        ({"regex": {"pattern": r"^(.*?)\s+(\d+)$", "group": 2}}, "Hauptstraße 12", "12"),
        ({"regex": {"pattern": r"(?P<nr>\d+)", "group": "nr"}}, "Weg 9a", "9"),
        ({"regex": {"pattern": r"\d+", "group": 0, "on_mismatch": "keep"}}, "Am Markt", "Am Markt"),
        ({"regex": {"pattern": r"(\d+)", "on_mismatch": "drop"}}, "Am Markt", ""),
    ],
)
def test_simple_and_text_conversions(step: Any, value: Any, expected: Any) -> None:
    assert expected == run(step, value)


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({"to": "%d.%m.%Y"}, "2026-12-01", "01.12.2026"),
        ({"from": "%d.%m.%Y"}, "01.12.2026", "2026-12-01"),
        ({"to": "%d%m%Y"}, "1965-10-12", "12101965"),
        ({}, "2026-11-20T23:30:00+00:00", "2026-11-20"),
        ({"timezone": "Europe/Berlin"}, "2026-11-20T23:30:00+00:00", "2026-11-21"),
        ({"to": "iso"}, "2026-11-20T08:14:03+00:00", "2026-11-20T08:14:03+00:00"),
        (
            {"to": "iso", "timezone": "Europe/Berlin"},
            "2026-07-01T08:00:00Z",
            "2026-07-01T10:00:00+02:00",
        ),
        ({"to": "iso"}, "2026-11-20", "2026-11-20"),
        ({"from": "%d.%m.%Y %H:%M", "to": "iso"}, "20.11.2026 09:14", "2026-11-20T09:14:00"),
    ],
)
def test_date_conversions(options: dict[str, str], value: str, expected: str) -> None:
    assert expected == run({"date": options}, value)


def test_bare_date_means_iso_date() -> None:
    assert "2026-11-20" == run("date", "2026-11-20T10:00:00+01:00")


@pytest.mark.parametrize(
    ("options", "value"),
    [({}, "20.11.2026"), ({}, "2026-02-30"), ({"from": "%d.%m.%Y"}, "2026-11-20"), ({}, 20261120)],
)
def test_impossible_dates_fail_without_showing_the_value(
    options: dict[str, str], value: Any
) -> None:
    with pytest.raises(ConversionError) as info:
        run({"date": options}, value)
    assert str(value) not in str(info.value)


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({"map": {"geburtsurkunde": "GU"}, "default": "SONST"}, "geburtsurkunde", "GU"),
        ({"map": {"geburtsurkunde": "GU"}, "default": "SONST"}, "sterbeurkunde", "SONST"),
        ({"map": {True: "0", False: "1"}}, True, "0"),  # YAML `true:` keys
        ({"map": {"true": "0", "false": "1"}}, False, "1"),
        ({"map": {1: "A", 2: "B"}}, 2, "B"),
        ({"map": {"DE": "276"}, "default": None}, "FR", None),
    ],
)
def test_enum_conversions(options: dict[str, Any], value: Any, expected: Any) -> None:
    assert expected == run({"enum": options}, value)


def test_enum_without_default_refuses_unlisted_values() -> None:
    with pytest.raises(ConversionError, match="none of the 1 listed"):
        run({"enum": {"map": {"a": "b"}}}, "Schäfer")


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({"decimals": 2, "decimal_separator": ","}, "24.00", "24,00"),
        (
            {"decimals": 2, "decimal_separator": ",", "thousands_separator": "."},
            1234567.005,
            "1.234.567,01",
        ),
        ({"decimals": 0}, "2.5", "3"),  # half up, not banker's rounding
        ({"decimals": 1}, -1.25, "-1.3"),
        ({"input_decimal_separator": ",", "decimals": 2}, "1.234,5", "1234.50"),
        ({"output": "number"}, "26.00", 26),
        ({"output": "number", "decimals": 2}, "26.456", 26.46),
        ({}, 12, "12"),
    ],
)
def test_number_conversions(options: dict[str, Any], value: Any, expected: Any) -> None:
    assert expected == run({"number": options}, value)


@pytest.mark.parametrize(
    ("step", "value"),
    [
        ("trim", 5),
        ("upper", None),
        ("integer", "2.5"),
        ("integer", True),
        ("integer", "zwei"),
        ({"number": {}}, "viel"),
        ({"number": {}}, True),
        ({"number": {}}, "NaN"),
        ("string", {"a": 1}),
        ({"regex": {"pattern": "x"}}, "abc"),
        ({"regex": {"pattern": "(a)", "group": 3}}, "a"),
    ],
)
def test_conversions_refuse_what_they_cannot_take(step: Any, value: Any) -> None:
    with pytest.raises(ConversionError):
        run(step, value)


@pytest.mark.parametrize(
    "step",
    [
        "dat",
        {"zip": {}},
        {"date": {"to": "%Q"}},
        {"date": {"timezone": "Mars/Olympus"}},
        {"regex": {"pattern": "("}},
        {"enum": {"map": {}}},
        {"date": {}, "enum": {"map": {"a": 1}}},
        {"truncate": 0},
        {"enum": None},
    ],
)
def test_bad_conversion_specs_are_refused_as_unknown_or_invalid(step: Any) -> None:
    with pytest.raises(ValidationError):
        Conversion.model_validate(step)
