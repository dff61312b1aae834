"""The mapping specification: pydantic models a tenant's YAML (or a mapping file) carries.

A mapping is a list of rules; each fills one target field of the result from
exactly one source (``from`` a JSON pointer, ``concat`` of several, a ``const``
or ``each`` element of a list with a sub-mapping), then applies ``convert`` steps
in order. See ``docs/mappings.md`` for every conversion.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hub.formats.mapping.pointer import PointerSyntaxError, parse_pointer, parse_target

Scalar = str | int | float | bool
SIMPLE_CONVERSIONS = ("trim", "upper", "lower", "string", "integer")
PARAMETRISED_CONVERSIONS = ("date", "enum", "number", "regex", "truncate", "pad")
_DEFAULTED = ("date", "number")  # parametrised conversions usable bare, with default options
# strftime directives Python documents for every platform; anything else is refused
_DIRECTIVES = set("aAwdbBmyYHIpMSfzZjUWcxXGuV%")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _check_pointer(value: str) -> str:
    try:
        parse_pointer(value)
    except PointerSyntaxError as exc:
        raise PydanticCustomError("bad_pointer", str(exc)) from None
    return value


def _check_format(fmt: str) -> str:
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            if i + 1 >= len(fmt) or fmt[i + 1] not in _DIRECTIVES:
                raise PydanticCustomError(
                    "unknown_conversion", "date format '{fmt}': unknown directive", {"fmt": fmt}
                )
            i += 2
        else:
            i += 1
    return fmt


def _scalar_key(value: Any) -> str:
    """How enum maps compare values: text as is, booleans ``true``/``false``, numbers as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class DateConversion(_Strict):
    """Read a date or date-time (ISO 8601, or ``from`` a strptime format) and write it ``to``."""

    from_: str | None = Field(None, alias="from")
    to: str = "%Y-%m-%d"  # strftime format, or "iso" (ISO 8601, seconds)
    timezone: str | None = None  # convert date-times into this zone first (e.g. Europe/Berlin)

    @field_validator("from_")
    @classmethod
    def _from_format(cls, v: str | None) -> str | None:
        return None if v is None else _check_format(v)

    @field_validator("to")
    @classmethod
    def _to_format(cls, v: str) -> str:
        return v if v == "iso" else _check_format(v)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                zoneinfo.ZoneInfo(v)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise PydanticCustomError(
                    "unknown_conversion", "unknown time zone '{tz}'", {"tz": v}
                ) from None
        return v


class EnumConversion(_Strict):
    """Replace a value by the one ``map`` gives it; unknown values take ``default`` or fail."""

    map: dict[str, Scalar] = Field(min_length=1)
    default: Scalar | None = None  # only used when given (``default: null`` drops the field)

    @field_validator("map", mode="before")
    @classmethod
    def _keys_as_text(cls, v: Any) -> Any:
        # YAML reads `true:` and `1:` as a bool and an int; compare them as text
        return {_scalar_key(k): val for k, val in v.items()} if isinstance(v, dict) else v


class NumberConversion(_Strict):
    """Read a number (or numeric text) and format it."""

    decimals: Annotated[int, Field(ge=0, le=12)] | None = None  # rounded half up
    decimal_separator: str = Field(".", max_length=1)
    thousands_separator: str = Field("", max_length=1)
    input_decimal_separator: str = Field(".", max_length=1)  # "," for German input
    output: Literal["string", "number"] = "string"


class RegexConversion(_Strict):
    """Keep the part of a text that ``pattern`` captures (``group`` number or name)."""

    pattern: str
    group: StrictInt | str = 1
    on_mismatch: Literal["fail", "keep", "drop"] = "fail"  # keep the text / drop the field

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise PydanticCustomError(
                "unknown_conversion", "regex does not compile: {e}", {"e": str(exc)}
            ) from None
        return v


class PadConversion(_Strict):
    """Left-pad a text to ``width`` with ``char`` (codes such as ``1`` -> ``01``)."""

    width: int = Field(ge=1, le=100)
    char: str = Field("0", min_length=1, max_length=1)


class Conversion(_Strict):
    """One conversion step; in YAML a bare name (``trim``) or a one-key mapping."""

    name: str
    date: DateConversion | None = None
    enum: EnumConversion | None = None
    number: NumberConversion | None = None
    regex: RegexConversion | None = None
    truncate: Annotated[int, Field(ge=1)] | None = None
    pad: PadConversion | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, v: Any) -> Any:
        if isinstance(v, str):
            if v in _DEFAULTED:
                return {"name": v, v: {}}
            if v not in SIMPLE_CONVERSIONS:
                known = ", ".join((*SIMPLE_CONVERSIONS, *PARAMETRISED_CONVERSIONS))
                raise PydanticCustomError(
                    "unknown_conversion",
                    "unknown conversion '{v}' (known: {known})",
                    {"v": v, "known": known},
                )
            return {"name": v}
        if isinstance(v, dict) and "name" not in v:
            if len(v) != 1:
                raise PydanticCustomError(
                    "unknown_conversion", "a conversion step has exactly one key"
                )
            (key,) = v
            if key not in PARAMETRISED_CONVERSIONS:
                known = ", ".join(PARAMETRISED_CONVERSIONS)
                raise PydanticCustomError(
                    "unknown_conversion",
                    "unknown conversion '{k}' (with options: {known})",
                    {"k": str(key), "known": known},
                )
            return {"name": key, **v}
        return v

    @model_validator(mode="after")
    def _options_given(self) -> Conversion:
        if self.name in PARAMETRISED_CONVERSIONS and getattr(self, self.name) is None:
            raise PydanticCustomError(
                "unknown_conversion", "conversion '{n}' needs its options", {"n": self.name}
            )
        return self


class ConstPart(_Strict):
    """A literal piece of a ``concat`` that would otherwise read as a pointer (starts with /)."""

    const: str


class FieldRule(_Strict):
    """One target field and where its value comes from."""

    target: str
    from_: str | None = Field(None, alias="from")
    concat: list[str | ConstPart] | None = Field(None, min_length=1)
    separator: str = ""
    const: Any = None
    each: str | None = None
    mapping: list[FieldRule] | None = None
    convert: list[Conversion] = Field(default_factory=list)
    default: Any = None
    required: bool = False
    when: str | None = None  # fill the field only when this pointer has a value

    @field_validator("convert", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return v if isinstance(v, list) else [v]

    @field_validator("target")
    @classmethod
    def _target(cls, v: str) -> str:
        try:
            parse_target(v)
        except PointerSyntaxError as exc:
            raise PydanticCustomError("bad_pointer", str(exc)) from None
        return v

    @field_validator("from_", "each", "when")
    @classmethod
    def _pointer(cls, v: str | None) -> str | None:
        return None if v is None else _check_pointer(v)

    @field_validator("concat")
    @classmethod
    def _parts(cls, v: list[str | ConstPart] | None) -> Any:
        for part in v or []:
            if isinstance(part, str) and part.startswith("/"):
                _check_pointer(part)
        return v

    @model_validator(mode="after")
    def _one_source(self) -> FieldRule:
        given = self.model_fields_set
        sources = [s for s in ("from_", "concat", "const", "each") if s in given]
        if len(sources) != 1:
            raise PydanticCustomError(
                "rule_source", "give exactly one of from, concat, const, each"
            )
        if (self.each is None) != (self.mapping is None):
            raise PydanticCustomError("rule_source", "each and mapping go together")
        if self.required and "default" in given:
            raise PydanticCustomError("rule_source", "required and default exclude each other")
        return self

    @property
    def has_default(self) -> bool:
        """Whether ``default`` was given (``default: null`` is a given default)."""
        return "default" in self.model_fields_set

    @property
    def pointers(self) -> list[str]:
        """Every pointer this rule reads (not those of its sub-mapping)."""
        found = [p for p in (self.from_, self.each, self.when) if p is not None]
        found += [p for p in self.concat or [] if isinstance(p, str) and p.startswith("/")]
        return found


class MappingSpec(_Strict):
    """A whole mapping: rules filling a nested JSON object (a mapping file's content)."""

    description: str = ""
    mapping: list[FieldRule] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, v: Any) -> Any:
        return {"mapping": v} if isinstance(v, list) else v

    @model_validator(mode="after")
    def _targets_do_not_collide(self) -> MappingSpec:
        _check_targets(self.mapping)
        return self


def _check_targets(rules: list[FieldRule]) -> None:
    seen: dict[tuple[str, ...], str] = {}
    for rule in rules:
        tokens = parse_target(rule.target)
        for other, name in seen.items():
            shorter, longer = sorted((tokens, other), key=len)
            if longer[: len(shorter)] == shorter:
                raise PydanticCustomError(
                    "target_conflict",
                    "targets '{a}' and '{b}' overlap",
                    {"a": name, "b": rule.target},
                )
        seen[tokens] = rule.target
        if rule.mapping is not None:
            _check_targets(rule.mapping)


FieldRule.model_rebuild()
