"""Declarative field mappings: from the case document (JSON pointers) to a back office's fields.

A mapping is data (YAML), checked by pydantic; applying it is a pure function
that returns the whole result or raises :class:`MappingError`. See
``docs/mappings.md``.
"""

from hub.formats.mapping.case import application_document, case_document
from hub.formats.mapping.check import Problem, check_mapping
from hub.formats.mapping.convert import ConversionError
from hub.formats.mapping.engine import MappingError, apply_mapping
from hub.formats.mapping.files import (
    MappingRef,
    MappingSpecError,
    load_mapping,
    parse_mapping,
    select_mapping,
)
from hub.formats.mapping.pointer import (
    ABSENT,
    PointerSyntaxError,
    format_pointer,
    parse_pointer,
    resolve,
)
from hub.formats.mapping.spec import Conversion, FieldRule, MappingSpec

__all__ = [
    "ABSENT",
    "Conversion",
    "ConversionError",
    "FieldRule",
    "MappingError",
    "MappingRef",
    "MappingSpec",
    "MappingSpecError",
    "PointerSyntaxError",
    "Problem",
    "application_document",
    "apply_mapping",
    "case_document",
    "check_mapping",
    "format_pointer",
    "load_mapping",
    "parse_mapping",
    "parse_pointer",
    "resolve",
    "select_mapping",
]
