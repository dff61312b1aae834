"""The official XGewerbeanzeige examples as an outside oracle for what the hub emits.

Reads KoSIT's valid instances where CI has them (``../shared/standards`` beside the
project) and compares an emitted message with them element by element.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring, parse

from hub.runtime.local import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT.parent / "shared" / "standards" / "xgewerbeanzeige" / "examples"
EXAMPLE_22 = EXAMPLES / "xgwa2.2-valid.xml"
EXAMPLE_21 = EXAMPLES / "xgwa2.1-valid.xml"


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


@dataclass
class Structure:
    """Element paths below the root, in order of first appearance, with children and attributes."""

    root: str
    namespace: str
    paths: list[str] = field(default_factory=list)
    children: dict[str, list[str]] = field(default_factory=dict)
    attrs: dict[str, dict[str, str]] = field(default_factory=dict)
    codes: dict[str, set[str]] = field(default_factory=dict)  # element name -> code values


def structure(root: Element) -> Structure:
    found = Structure(local(root.tag), namespace(root.tag))

    def walk(node: Element, path: str) -> None:
        order = found.children.setdefault(path, [])
        for child in node:
            name = local(child.tag)
            here = f"{path}/{name}" if path else name
            if name not in order:
                order.append(name)
            if here not in found.attrs:
                found.paths.append(here)
                found.attrs[here] = dict(child.attrib)
            if name == "code":
                found.codes.setdefault(local(node.tag), set()).add((child.text or "").strip())
            walk(child, here)

    walk(root, "")
    return found


def example(path: Path = EXAMPLE_22) -> Structure:
    return structure(parse(path).getroot())


def problems_against_example(xml: bytes, official: Structure | None = None) -> list[str]:
    """Every way ``xml`` departs from the official example's structure (empty: none)."""
    official = official or example()
    root = fromstring(xml)
    problems: list[str] = []
    if (local(root.tag), namespace(root.tag)) != (official.root, official.namespace):
        problems.append(f"root {root.tag} is not {{{official.namespace}}}{official.root}")

    def walk(node: Element, path: str) -> None:
        last = -1
        for child in node:
            name = local(child.tag)
            here = f"{path}/{name}" if path else name
            expected_ns = "" if name == "code" else official.namespace
            if namespace(child.tag) != expected_ns:
                problems.append(f"{here}: namespace {namespace(child.tag)!r}")
            order = official.children.get(path, [])
            if name not in order:
                problems.append(f"{here}: not in the official example")
                continue
            if order.index(name) < last:
                problems.append(f"{here}: out of the official order")
            last = order.index(name)
            if name != "code" and child.find("code") is not None:
                kennung = name == "kennung" and path.endswith("behoerdenkennung")
                if dict(child.attrib) != official.attrs[here] and not kennung:
                    problems.append(f"{here}: attributes {child.attrib} differ from the example")
            walk(child, here)

    walk(root, "")
    return problems
