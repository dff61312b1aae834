"""Structural limits on what intake parses, so no input can exhaust it.

The body size is limited first (``HUB_MAX_BODY_BYTES``, 25 MiB); inside that,
these limits keep parsing cheap and predictable. Each is far above what a real
form or invoice reaches:

=========================  =========  ==============================================================
limit                      value      why it is safe
=========================  =========  ==============================================================
JSON nesting depth         32         civento forms nest sections, groups, repeated rows: 5-8 levels
attachments                100        a form's uploads are a handful; 100 scans exceed the body
string length              100,000    characters, for any JSON string except ``contentBase64`` (the
                                      attachment itself, bounded by the body); a long free-text
                                      justification is a few thousand characters
``formData`` size          1 MiB      as compact JSON: forms have at most a few hundred fields
``formData`` values        10,000     scalars, arrays and objects together
values in the whole body   20,000     formData plus the fixed fields and attachments
XML nesting depth          64         UBL and CII invoices nest about 12 levels
XML elements               500,000    an invoice with 5,000 lines has roughly 250,000 elements
=========================  =========  ==============================================================

A request over a limit is refused with ``422`` (``400`` when the JSON parser
itself gives up on the nesting), a problem type naming the limit, and the JSON
pointer of the first place that exceeds it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MAX_JSON_DEPTH = 32
MAX_JSON_VALUES = 20_000
MAX_ATTACHMENTS = 100
MAX_STRING_LENGTH = 100_000
MAX_FORM_DATA_BYTES = 1024 * 1024
MAX_FORM_DATA_VALUES = 10_000
MAX_XML_DEPTH = 64
MAX_XML_ELEMENTS = 500_000

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

#: strings allowed to be longer than MAX_STRING_LENGTH (bounded by the body size instead)
_LONG_STRING_KEYS = frozenset({"contentBase64"})


@dataclass(frozen=True)
class LimitExceeded(Exception):  # noqa: N818 - a refusal, reported as a problem, not a bug
    """A structural limit was exceeded at ``pointer``."""

    limit: str  # json_depth | string_length | attachments | form_data_size | form_data_values
    pointer: str
    detail: str


def _escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def check_json(document: Any) -> None:
    """Raise :class:`LimitExceeded` for the first place in a parsed submission over a limit.

    Walks iteratively (no recursion), so a deep document costs no stack.
    """
    stack: list[tuple[Any, str, int, str | int | None]] = [(document, "", 0, None)]
    seen = 1
    while stack:
        value, pointer, depth, key = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise LimitExceeded(
                "json_depth", pointer, f"nested deeper than {MAX_JSON_DEPTH} levels"
            )
        if isinstance(value, str):
            _check_string(value, pointer, key)
            continue
        if isinstance(value, dict | list):
            # counted before the children are taken on: a huge array costs nothing to refuse
            seen += len(value)
            if seen > MAX_JSON_VALUES:
                raise LimitExceeded(
                    "json_values", pointer or "/", f"more than {MAX_JSON_VALUES} values in all"
                )
        if isinstance(value, dict):
            for k, v in value.items():
                if len(k) > MAX_STRING_LENGTH:
                    detail = f"a key longer than {MAX_STRING_LENGTH} characters"
                    raise LimitExceeded("string_length", pointer, detail)
                stack.append((v, f"{pointer}/{_escape(k)}", depth + 1, k))
        elif isinstance(value, list):
            stack.extend((v, f"{pointer}/{i}", depth + 1, None) for i, v in enumerate(value))
    if isinstance(document, dict):
        _check_sections(document)


def _check_string(value: str, pointer: str, key: str | int | None) -> None:
    if len(value) > MAX_STRING_LENGTH and key not in _LONG_STRING_KEYS:
        raise LimitExceeded("string_length", pointer, f"longer than {MAX_STRING_LENGTH} characters")
    if not value.isascii() and _LONE_SURROGATE.search(value):
        raise LimitExceeded("text", pointer, "not valid Unicode (a lone surrogate)")


def _check_sections(document: dict[str, Any]) -> None:
    attachments = document.get("attachments")
    if isinstance(attachments, list) and len(attachments) > MAX_ATTACHMENTS:
        raise LimitExceeded(
            "attachments", "/attachments", f"more than {MAX_ATTACHMENTS} attachments"
        )
    form = document.get("formData")
    if form is not None:
        _check_form_data(form)


def _check_form_data(form: Any) -> None:
    count, stack = 0, [form]
    while stack:
        value = stack.pop()
        count += 1
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    if count > MAX_FORM_DATA_VALUES:
        raise LimitExceeded(
            "form_data_values", "/formData", f"more than {MAX_FORM_DATA_VALUES} values"
        )
    size = len(json.dumps(form, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_FORM_DATA_BYTES:
        raise LimitExceeded(
            "form_data_size", "/formData", f"larger than {MAX_FORM_DATA_BYTES} bytes as JSON"
        )
