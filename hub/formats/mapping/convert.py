"""Conversions of one value (pure). Each raises :class:`ConversionError` with a message that
names what was expected, never the value itself (it may be personal data)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from hub.formats.mapping.spec import (
    Conversion,
    DateConversion,
    EnumConversion,
    NumberConversion,
    RegexConversion,
    _scalar_key,
)

_TIME_DIRECTIVES = re.compile(r"%[HIMSfpzZcX]")


class ConversionError(ValueError):
    """A value that a conversion cannot take."""


def _text(value: Any, step: str) -> str:
    if not isinstance(value, str):
        raise ConversionError(f"{step} needs text, got {type(value).__name__}")
    return value


def to_text(value: Any) -> str:
    """A scalar as text: booleans ``true``/``false``, integral floats without ``.0``."""
    if isinstance(value, dict | list):
        what = "an object" if isinstance(value, dict) else "a list"
        raise ConversionError(f"needs a single value, got {what}")
    return _scalar_key(value)


def _parse_date(value: Any, spec: DateConversion) -> date | datetime:
    text = _text(value, "date").strip()
    try:
        if spec.from_ is not None:
            parsed = datetime.strptime(text, spec.from_)
            return parsed if _TIME_DIRECTIVES.search(spec.from_) else parsed.date()
        if len(text) <= 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        expected = spec.from_ or "ISO 8601 (YYYY-MM-DD or a date-time)"
        raise ConversionError(f"not a date in the format {expected}") from None


def convert_date(value: Any, spec: DateConversion) -> str:
    """Reformat a date; a date-time becomes a date when ``to`` has no time directives."""
    parsed = _parse_date(value, spec)
    if isinstance(parsed, datetime) and spec.timezone is not None:
        zone = zoneinfo.ZoneInfo(spec.timezone)
        parsed = parsed.astimezone(zone) if parsed.tzinfo else parsed.replace(tzinfo=zone)
    if spec.to == "iso":
        if isinstance(parsed, datetime):
            return parsed.isoformat(timespec="seconds")
        return parsed.isoformat()
    return parsed.strftime(spec.to)


def convert_enum(value: Any, spec: EnumConversion) -> Any:
    """The mapped value, else ``default`` when one is given."""
    key = to_text(value)
    if key in spec.map:
        return spec.map[key]
    if "default" in spec.model_fields_set:
        return spec.default
    raise ConversionError(f"value is none of the {len(spec.map)} listed in the enum map")


def _decimal(value: Any, spec: NumberConversion) -> Decimal:
    if isinstance(value, bool):
        raise ConversionError("number needs a number, got a boolean")
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = _text(value, "number").strip().replace(" ", "")
    if spec.input_decimal_separator != ".":
        text = text.replace(".", "").replace(spec.input_decimal_separator, ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ConversionError("not a number") from None
    if not number.is_finite():
        raise ConversionError("not a finite number")
    return number


def convert_number(value: Any, spec: NumberConversion) -> str | int | float:
    """Round and format a number."""
    number = _decimal(value, spec)
    if spec.decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-spec.decimals), rounding=ROUND_HALF_UP)
    if spec.output == "number":
        return int(number) if number == number.to_integral_value() else float(number)
    sign = "-" if number < 0 else ""
    whole, _, frac = f"{abs(number):f}".partition(".")
    if spec.thousands_separator:
        whole = f"{int(whole):,}".replace(",", spec.thousands_separator)
    return sign + whole + (spec.decimal_separator + frac if frac else "")


def convert_integer(value: Any) -> int:
    """A whole number from a number or numeric text."""
    if isinstance(value, bool):
        raise ConversionError("integer needs a number, got a boolean")
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str | float) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise ConversionError("not a whole number")
    return int(number)


def convert_regex(value: Any, spec: RegexConversion) -> str:
    """The captured group of the first match."""
    text = _text(value, "regex")
    match = re.search(spec.pattern, text)
    if match is None:
        if spec.on_mismatch == "keep":
            return text
        if spec.on_mismatch == "drop":
            return ""
        raise ConversionError("does not match the regex pattern")
    try:
        group = match.group(spec.group)
    except (IndexError, KeyError):
        raise ConversionError(f"the regex has no group {spec.group!r}") from None
    return group or ""


def _need(options: Any) -> Any:
    if options is None:  # unreachable for validated specs: Conversion checks its options
        raise ConversionError("conversion lacks its options")
    return options


_STEPS: dict[str, Callable[[Any, Conversion], Any]] = {
    "trim": lambda v, _s: _text(v, "trim").strip(),
    "upper": lambda v, _s: _text(v, "upper").upper(),
    "lower": lambda v, _s: _text(v, "lower").lower(),
    "string": lambda v, _s: to_text(v),
    "integer": lambda v, _s: convert_integer(v),
    "date": lambda v, s: convert_date(v, _need(s.date)),
    "enum": lambda v, s: convert_enum(v, _need(s.enum)),
    "number": lambda v, s: convert_number(v, _need(s.number)),
    "regex": lambda v, s: convert_regex(v, _need(s.regex)),
    "truncate": lambda v, s: to_text(v)[: _need(s.truncate)],
    "pad": lambda v, s: to_text(v).rjust(_need(s.pad).width, _need(s.pad).char),
}


def apply_conversion(value: Any, step: Conversion) -> Any:
    """Run one conversion step."""
    return _STEPS[step.name](value, step)
