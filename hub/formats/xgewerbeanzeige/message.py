"""Build an XGewerbeanzeige 2.2 message from mapped data (pure).

The data is a nested object whose keys are element names under the root
(``nachrichtenkopf``, ``satz``), as a mapping produces it; lists stand for
repeated elements. The builder walks the template (:mod:`.template`) in order,
so elements come out in the official order whatever the data's order; a key the
template does not know, a missing required part or an impossible code value is
a :class:`MessageError`, never a half-built message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from hub.formats.xgewerbeanzeige.codes import KENNUNG_LISTS, code_problem
from hub.formats.xgewerbeanzeige.template import (
    GENERATED,
    MESSAGE_TYPE,
    NAMESPACE,
    PREFIX,
    REQUIRED,
    ROOT,
    VERSION,
    Node,
    template,
)

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class MessageError(ValueError):
    """The data cannot become a valid-looking message; ``path`` is the element at fault."""

    def __init__(self, path: str, message: str) -> None:
        self.path, self.message = path, message
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class MessageHeader:
    """What the builder fills itself: ``identifikation.nachricht`` and the product."""

    message_id: str  # a UUID; derive it from the delivery id so a repeat is the same message
    created_at: datetime
    product: str = "IKZ-Hub"
    vendor: str = "IKZ Hub"
    product_version: str = "0.1.0"


def _text(path: str, value: Any) -> str:
    if isinstance(value, dict | list):
        raise MessageError(path, "needs a single value here")
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if _NOT_XML.search(text):
        raise MessageError(path, "contains characters XML cannot carry")
    return text


def _code(node: Node, value: Any, pad: str) -> list[str]:
    attrs = dict(node.attrs)
    if isinstance(value, dict):
        if node.path.rsplit("/", 1)[-1] != "kennung" or "behoerdenkennung" not in node.path:
            raise MessageError(node.path, "only an authority's kennung names its code list")
        unknown = set(value) - {"code", "listURI", "listVersionID"}
        if unknown:
            raise MessageError(node.path, f"unknown part(s) {', '.join(sorted(unknown))}")
        attrs = {k: str(value.get(k, "")) for k in ("listURI", "listVersionID")}
        if (attrs["listURI"], attrs["listVersionID"]) not in KENNUNG_LISTS:
            raise MessageError(node.path, "code list is none of those the official examples use")
        value = value.get("code")
    code = _text(node.path, value)
    problem = code_problem(node.name, code)
    if problem:
        raise MessageError(node.path, f"code {problem}")
    attr_text = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
    tag = f"{PREFIX}:{node.name}"
    return [f"{pad}<{tag}{attr_text}>", f"{pad}  <code>{escape(code)}</code>", f"{pad}</{tag}>"]


def _element(node: Node, value: Any, depth: int) -> list[str]:
    pad = "  " * depth
    if node.code:
        return _code(node, value, pad)
    tag = f"{PREFIX}:{node.name}"
    if not node.children:
        return [f"{pad}<{tag}>{escape(_text(node.path, value))}</{tag}>"]
    if not isinstance(value, Mapping):
        raise MessageError(node.path, "needs its parts (an object) here")
    inner = _children(node, value, depth + 1)
    return [f"{pad}<{tag}>", *inner, f"{pad}</{tag}>"] if inner else []


def _children(parent: Node, data: Mapping[str, Any], depth: int) -> list[str]:
    unknown = [k for k in data if parent.child(k) is None]
    if unknown:
        where = parent.path or ROOT
        raise MessageError(f"{where}/{unknown[0]}", f"no such element in XGewerbeanzeige {VERSION}")
    lines: list[str] = []
    for node in parent.children:
        if node.name not in data or data[node.name] in (None, ""):
            continue
        value = data[node.name]
        if isinstance(value, list) and not node.repeat:
            raise MessageError(node.path, "is not repeatable")
        for item in value if isinstance(value, list) else [value]:
            lines += _element(node, item, depth)
    return lines


def _present(data: Any, tokens: list[str]) -> bool:
    if not tokens:
        return data not in (None, "", {}, [])
    if isinstance(data, list):
        return bool(data) and all(_present(item, tokens) for item in data)
    if not isinstance(data, Mapping) or tokens[0] not in data:
        return False
    return _present(data[tokens[0]], tokens[1:])


def build_message(data: Mapping[str, Any], header: MessageHeader) -> bytes:
    """The message as UTF-8 XML; raise :class:`MessageError` when it cannot be built."""
    head = data.get("nachrichtenkopf", {})
    if not isinstance(head, Mapping):
        raise MessageError("nachrichtenkopf", "needs its parts (an object) here")
    for path in GENERATED:
        if path.split("/", 1)[1] in head:
            raise MessageError(path, "is filled from the delivery, not by the mapping")
    full = {
        **data,
        "nachrichtenkopf": {
            "identifikation.nachricht": {
                "nachrichtenUUID": header.message_id,
                "nachrichtentyp": MESSAGE_TYPE,
                "erstellungszeitpunkt": header.created_at.isoformat(timespec="seconds"),
            },
            **head,
        },
    }
    body = _children(template(), full, 1)
    for path in REQUIRED:
        if not _present(full, path.split("/")):
            raise MessageError(path, "required part missing")
    root_attrs = {
        "produkt": header.product,
        "produkthersteller": header.vendor,
        "produktversion": header.product_version,
        "standard": "XGewerbeanzeige",
        "version": VERSION,
    }
    attrs = "".join(f" {k}={quoteattr(v)}" for k, v in root_attrs.items())
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<{PREFIX}:{ROOT} xmlns:{PREFIX}={quoteattr(NAMESPACE)}{attrs}>",
        *body,
        f"</{PREFIX}:{ROOT}>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")
