"""Building xdomea elements with lxml: namespace per version, unqualified code children."""

from __future__ import annotations

from lxml import etree

from hub.formats.xdomea.codes import Version, namespace
from hub.formats.xdomea.errors import MappingError
from hub.formats.xdomea.settings import Party
from hub.formats.xdomea.text import clean

Element = etree._Element


class Tree:
    """Element factory for one xdomea version; every text passes the sanitising rule."""

    def __init__(self, version: Version, limit: int) -> None:
        self.ns = namespace(version)
        self.limit = limit

    def root(self, name: str) -> Element:
        """The message's root element, with the ``xdomea`` prefix bound."""
        return etree.Element(f"{{{self.ns}}}{name}", nsmap={"xdomea": self.ns})

    def sub(self, parent: Element, tag: str, text: str | None = None) -> Element:
        """A child element; ``text`` is set verbatim (callers pass values they control)."""
        el = etree.SubElement(parent, f"{{{self.ns}}}{tag}")
        if text is not None:
            el.text = text
        return el

    def text(self, parent: Element, tag: str, value: str | None) -> Element | None:
        """An optional text element: sanitised, left out when nothing remains."""
        cleaned = clean(value, self.limit)
        return None if cleaned is None else self.sub(parent, tag, cleaned)

    def required(self, parent: Element, tag: str, value: str | None, fallback: str) -> Element:
        """A required text element: sanitised, ``fallback`` when nothing remains."""
        return self.sub(parent, tag, clean(value, self.limit) or fallback)

    def code(
        self,
        parent: Element,
        tag: str,
        code: str,
        *,
        name: str | None = None,
        list_uri: str | None = None,
        list_version: str | None = None,
    ) -> Element:
        """An ``xoev-code:Code`` element: ``code`` (and ``name``) are unqualified children."""
        el = self.sub(parent, tag)
        if list_uri is not None:
            el.set("listURI", list_uri)
        if list_version is not None:
            el.set("listVersionID", list_version)
        etree.SubElement(el, "code").text = code
        if name is not None:
            etree.SubElement(el, "name").text = name
        return el

    def party(self, parent: Element, tag: str, party: Party, field: str) -> Element:
        """``Absender`` / ``Empfaenger``: Behoerdenkennung, Institution, Organisationseinheit."""
        el = self.sub(parent, tag)
        key = token(party.authority_code)
        if not key:
            raise MappingError(f"{field}.authority_code", "the Behördenkennung is empty")
        ident = self.sub(el, "Behoerdenkennung")
        lists = {"list_uri": party.code_list_uri, "list_version": party.code_list_version}
        self.code(ident, "Behoerdenschluessel", key, **lists)
        prefix = token(party.authority_prefix)
        if prefix:
            self.code(ident, "Praefix", prefix, **lists)
        self.text(self.sub(el, "Institution"), "Name", party.name)
        if clean(party.org_unit):
            self.text(self.sub(el, "Organisationseinheit"), "Name", party.org_unit)
        return el


def token(value: str | None) -> str:
    """An ``xs:token`` value: sanitised with inner whitespace collapsed."""
    cleaned = clean(value, 10_000)
    return " ".join(cleaned.split()) if cleaned else ""


def serialize(root: Element) -> bytes:
    """The message as UTF-8 XML with declaration, indented."""
    etree.indent(root, space="  ")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data
