"""Shared material for the XRechnung tests: the official test suite, one compiled validator,
and the helpers that make variants of valid instances (see xrechnung_variants)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from hub.formats.xrechnung import XRechnungValidator
from hub.formats.xrechnung.document import NS
from hub.runtime.local import PROJECT_ROOT

SUITE = PROJECT_ROOT.parent / "shared" / "standards" / "xrechnung" / "testsuite" / "standard"
EXAMPLES = sorted((PROJECT_ROOT / "examples" / "invoices").glob("*.xml"))
SDK_SAMPLES = PROJECT_ROOT / "hub" / "sdk" / "samples" / "invoices"
UBL = SUITE / "01.01a-INVOICE_ubl.xml"
CII = SUITE / "01.01a-INVOICE_uncefact.xml"


def suite_files() -> list[Path]:
    """Every instance of the official test suite's standard cases (UBL and CII)."""
    return sorted(SUITE.glob("*_ubl.xml")) + sorted(SUITE.glob("*_uncefact.xml"))


@functools.cache
def validator() -> XRechnungValidator:
    """One validator per test process: the stylesheets compile once."""
    return XRechnungValidator()


Edit = Callable[[etree._Element], None]


def _one(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list) and found, f"{path} selects nothing"
    node = found[0]
    assert isinstance(node, etree._Element)
    return node


def set_text(path: str, value: str) -> Edit:
    """Replace the text of the first element ``path`` selects."""

    def edit(root: etree._Element) -> None:
        _one(root, path).text = value

    return edit


def remove(path: str, every: bool = False) -> Edit:
    """Remove the first (or every) element ``path`` selects."""

    def edit(root: etree._Element) -> None:
        found = root.xpath(path, namespaces=NS)
        assert isinstance(found, list) and found, f"{path} selects nothing"
        for node in found if every else found[:1]:
            assert isinstance(node, etree._Element)
            parent = node.getparent()
            assert parent is not None
            parent.remove(node)

    return edit


def set_attr(path: str, name: str, value: str) -> Edit:
    """Set an attribute of the first element ``path`` selects."""

    def edit(root: etree._Element) -> None:
        _one(root, path).set(name, value)

    return edit


def variant(source: Path, *edits: Edit) -> bytes:
    """``source`` with ``edits`` applied, serialised as UTF-8."""
    root = etree.fromstring(source.read_bytes())
    for edit in edits:
        edit(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class Broken:
    """One invalid variant: what was broken, the rule that must fire, how, and the other
    fatal rules the same break necessarily trips (e.g. a wrong net total also breaks the
    gross total's rule)."""

    name: str
    source: Path
    rule: str
    edits: tuple[Edit, ...]
    cascade: tuple[str, ...] = ()

    def document(self) -> bytes:
        """The variant's bytes."""
        return variant(self.source, *self.edits)
