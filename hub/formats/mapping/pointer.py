"""JSON pointers (RFC 6901) into the case document, and nested target paths for the result."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

_INDEX = re.compile(r"^(0|[1-9][0-9]*)$")
_BAD_TILDE = re.compile(r"~(?![01])")


class _Absent:
    """The value of a pointer that resolves to nothing (distinct from JSON ``null``)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Final = _Absent()


class PointerSyntaxError(ValueError):
    """A JSON pointer or target path that is not well formed."""


def parse_pointer(pointer: str) -> tuple[str, ...]:
    """The reference tokens of ``pointer`` (``""`` is the whole document).

    ``~1`` stands for ``/`` and ``~0`` for ``~`` inside a token; any other ``~``
    is an error, as is a pointer not starting with ``/``.
    """
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise PointerSyntaxError(f"JSON pointer {pointer!r} must start with '/'")
    if _BAD_TILDE.search(pointer):
        raise PointerSyntaxError(f"JSON pointer {pointer!r}: '~' must be followed by 0 or 1")
    # ~1 first, then ~0: "~01" is the token "~1", not "/"
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))


def format_pointer(tokens: Sequence[str]) -> str:
    """The JSON pointer of ``tokens`` (inverse of :func:`parse_pointer`)."""
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def resolve(document: Any, tokens: Sequence[str]) -> Any:
    """The value at ``tokens`` in ``document``, or :data:`ABSENT`."""
    node = document
    for token in tokens:
        if isinstance(node, Mapping):
            if token not in node:
                return ABSENT
            node = node[token]
        elif isinstance(node, list):
            if not _INDEX.match(token) or int(token) >= len(node):
                return ABSENT
            node = node[int(token)]
        else:
            return ABSENT
    return node


def parse_target(target: str) -> tuple[str, ...]:
    """Tokens of a target path: a JSON pointer (``/a/b``) or dotted (``a.b``)."""
    tokens = parse_pointer(target) if target.startswith("/") else tuple(target.split("."))
    if not tokens or any(t == "" for t in tokens):
        raise PointerSyntaxError(f"target {target!r} has an empty part")
    return tokens


def set_at(document: dict[str, Any], tokens: Sequence[str], value: Any) -> None:
    """Put ``value`` at ``tokens``, creating nested objects on the way."""
    node = document
    for token in tokens[:-1]:
        child = node.setdefault(token, {})
        if not isinstance(child, dict):
            raise PointerSyntaxError(f"{format_pointer(tokens)}: {token!r} is already a value")
        node = child
    node[tokens[-1]] = value
