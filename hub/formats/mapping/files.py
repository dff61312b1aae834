"""Mappings kept in files (``config/mappings/*.yaml``) or written inline in a tenant's YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hub.formats.mapping.check import spec_problems
from hub.formats.mapping.spec import MappingSpec

MappingRef = str | list[Any] | dict[str, Any]  # a file name, or the mapping itself


class MappingSpecError(ValueError):
    """A mapping that cannot be used; the message names the file (if any) and the rule."""


def parse_mapping(data: Any, source: str = "inline mapping") -> MappingSpec:
    """Validate raw mapping data (a list of rules, or ``{description, mapping}``)."""
    try:
        return MappingSpec.model_validate(data)
    except ValidationError as exc:
        first = spec_problems(exc)[0]
        raise MappingSpecError(f"{source}: {first.where}: {first.message}") from None


def load_mapping(ref: MappingRef, directory: Path) -> MappingSpec:
    """The mapping ``ref`` names: a file under ``directory`` (``.yaml`` may be left off) or
    the inline rules themselves."""
    if not isinstance(ref, str):
        return parse_mapping(ref)
    name = ref if ref.endswith((".yaml", ".yml")) else f"{ref}.yaml"
    path = directory / name
    if Path(name).name != name:
        raise MappingSpecError(f"mapping file {ref!r}: give a file name in {directory}, no path")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingSpecError(f"mapping file {path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        what = getattr(exc, "problem", None) or "invalid YAML"
        raise MappingSpecError(f"mapping file {path}: {what}") from None
    return parse_mapping(data, str(path))


def select_mapping(table: dict[str, MappingSpec], service: str) -> MappingSpec | None:
    """The mapping of a Leistungsschlüssel: its own entry, else ``*``, else none."""
    return table.get(service) or table.get("*")
