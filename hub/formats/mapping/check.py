"""Check a mapping before it goes live: syntax (errors) and fit to example cases (warnings)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from hub.formats.mapping.engine import MappingError, apply_mapping
from hub.formats.mapping.pointer import ABSENT, parse_pointer, resolve
from hub.formats.mapping.spec import FieldRule, MappingSpec

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding: ``where`` is the rule's location (``mapping.3.convert.0``)."""

    severity: Severity
    where: str
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: {self.message}"


def _location(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.startswith(("function", "str")))]
    return ".".join(["mapping", *parts[1:]] if parts[:1] == ["mapping"] else ["mapping", *parts])


def spec_problems(exc: ValidationError) -> list[Problem]:
    """Problems of a mapping that does not validate (unknown conversion, bad pointer ...)."""
    problems = []
    for err in exc.errors():
        code = err["type"]
        if code == "extra_forbidden":
            message = f"unknown key {err['loc'][-1]!r}"
            loc = err["loc"][:-1]
        else:
            message, loc = err["msg"], err["loc"]
        problems.append(Problem("error", _location(tuple(loc)), message, code))
    return problems


def _walk(rules: list[FieldRule], where: str, docs: list[Any]) -> list[Problem]:
    """Warn for every pointer that resolves in none of ``docs``."""
    found: list[Problem] = []
    for i, rule in enumerate(rules):
        here = f"{where}.{i}"
        for pointer in rule.pointers:
            tokens = parse_pointer(pointer)
            if all(resolve(d, tokens) is ABSENT for d in docs):
                found.append(
                    Problem(
                        "warning",
                        here,
                        f"{pointer} resolves on none of the {len(docs)} example case(s)",
                        "pointer_unused",
                    )
                )
        if rule.each is not None and rule.mapping is not None:
            tokens = parse_pointer(rule.each)
            items = [x for d in docs if isinstance(v := resolve(d, tokens), list) for x in v]
            if items:
                found += _walk(rule.mapping, f"{here}.mapping", items)
    return found


def check_mapping(
    spec: MappingSpec | Any, examples: Sequence[Mapping[str, Any]] = ()
) -> list[Problem]:
    """Every problem of ``spec`` (a :class:`MappingSpec` or its raw YAML data).

    Errors: the spec does not validate (unknown conversion, bad pointer syntax,
    a rule with no or two sources, overlapping targets). Warnings, given
    ``examples`` (case documents of the service, see :func:`case_document`):
    pointers that resolve on none of them, and examples the mapping fails on.
    """
    if not isinstance(spec, MappingSpec):
        try:
            spec = MappingSpec.model_validate(spec)
        except ValidationError as exc:
            return spec_problems(exc)
    if not examples:
        return []
    problems = _walk(spec.mapping, "mapping", list(examples))
    for n, example in enumerate(examples):
        try:
            apply_mapping(spec, example)
        except MappingError as exc:
            problems.append(Problem("warning", f"example {n}", str(exc), "example_fails"))
    return problems
