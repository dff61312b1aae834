"""Apply a mapping to a case document (pure): all of the result, or a :class:`MappingError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.formats.mapping.convert import ConversionError, apply_conversion, to_text
from hub.formats.mapping.pointer import ABSENT, parse_pointer, parse_target, resolve, set_at
from hub.formats.mapping.spec import ConstPart, FieldRule, MappingSpec


class MappingError(ValueError):
    """A mapping cannot fill ``target`` from this case.

    ``pointer`` is where it read (empty for constants), ``message`` what went
    wrong; neither ever carries the case's values (they may be personal data).
    """

    def __init__(self, target: str, pointer: str, message: str) -> None:
        self.target, self.pointer, self.message = target, pointer, message
        where = f"{target} <- {pointer}" if pointer else target
        super().__init__(f"{where}: {message}")


def _is_absent(value: Any) -> bool:
    return value is ABSENT or value is None or value == ""


def _concat(rule: FieldRule, case: Any) -> Any:
    parts: list[str] = []
    found = False
    for part in rule.concat or []:
        if isinstance(part, ConstPart):
            parts.append(part.const)
        elif part.startswith("/"):
            value = resolve(case, parse_pointer(part))
            if _is_absent(value):
                continue
            found = True
            try:
                parts.append(to_text(value))
            except ConversionError as exc:
                raise MappingError(rule.target, part, str(exc)) from None
        else:
            parts.append(part)
    return rule.separator.join(parts) if found else ABSENT


def _each(rule: FieldRule, case: Any, target: str) -> Any:
    if not (rule.each is not None and rule.mapping is not None):
        raise RuntimeError("invariant broken: rule.each is not None and rule.mapping is not None")
    items = resolve(case, parse_pointer(rule.each))
    if _is_absent(items):
        return ABSENT
    if not isinstance(items, list):
        raise MappingError(target, rule.each, "is not a list")
    return [_apply(rule.mapping, item, f"{target}[{i}]") for i, item in enumerate(items)] or ABSENT


def _source(rule: FieldRule, case: Any, target: str) -> tuple[Any, str]:
    if rule.from_ is not None:
        return resolve(case, parse_pointer(rule.from_)), rule.from_
    if rule.concat is not None:
        return _concat(rule, case), ""
    if rule.each is not None:
        return _each(rule, case, target), rule.each
    return rule.const, ""


def _value(rule: FieldRule, case: Any, target: str) -> Any:
    if rule.when is not None and _is_absent(resolve(case, parse_pointer(rule.when))):
        return ABSENT
    value, pointer = _source(rule, case, target)
    if not _is_absent(value):
        for step in rule.convert:
            try:
                value = apply_conversion(value, step)
            except ConversionError as exc:
                raise MappingError(target, pointer, f"{step.name}: {exc}") from None
    if _is_absent(value):
        if rule.has_default:
            return rule.default
        if rule.required:
            raise MappingError(target, pointer, "required value missing")
        return ABSENT
    return value


def _apply(rules: list[FieldRule], case: Any, prefix: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for rule in rules:
        target = f"{prefix}.{rule.target}" if prefix else rule.target
        value = _value(rule, case, target)
        if value is not ABSENT:
            set_at(result, parse_target(rule.target), value)
    return result


def apply_mapping(spec: MappingSpec, case: Mapping[str, Any]) -> dict[str, Any]:
    """The nested JSON object ``spec`` makes of ``case``; raise :class:`MappingError` when a
    required value is missing or a conversion is impossible (nothing half-filled is returned)."""
    return _apply(spec.mapping, case, "")
