"""Reading xdomea messages safely, and the summary of a filing message a DMS acts on."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from hub.formats.xdomea.codes import FILING, VERSIONS, Version, message_name, namespace
from hub.formats.xdomea.errors import ConfirmationError
from hub.formats.xdomea.settings import Party
from hub.formats.xdomea.tree import Element

# no DTDs, no entity expansion, no network: messages come from other systems
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def parse_message(data: bytes) -> tuple[Element, Version, str]:
    """(root, version, root name without namespace) of an xdomea 3.x message."""
    try:
        tree = etree.ElementTree(etree.fromstring(data, _PARSER))
    except etree.XMLSyntaxError as exc:
        raise ConfirmationError(f"not well-formed XML: {exc}") from None
    if tree.docinfo.doctype:
        raise ConfirmationError("document type declarations are not accepted")
    root = tree.getroot()
    qname = etree.QName(root)
    for version in VERSIONS:
        if qname.namespace == namespace(version):
            return root, version, qname.localname
    raise ConfirmationError(f"not an xdomea 3.x message (namespace {qname.namespace!r})")


class Reader:
    """Namespace-aware lookups in one message."""

    def __init__(self, version: Version) -> None:
        self.ns = {"x": namespace(version)}

    def text(self, el: Element, path: str) -> str | None:
        """Text of the first element at ``path`` (``x:`` prefixed), or ``None``."""
        found = el.find(path, self.ns)
        return None if found is None else (found.text or "")

    def all(self, el: Element, path: str) -> list[Element]:
        """Every element at ``path``."""
        return list(el.iterfind(path, self.ns))

    def party(self, el: Element | None) -> Party:
        """A KontaktType as :class:`Party`."""
        if el is None:
            return Party("", "")
        key = el.find("x:Behoerdenkennung/x:Behoerdenschluessel", self.ns)
        return Party(
            authority_code=self.text(el, "x:Behoerdenkennung/x:Behoerdenschluessel/code") or "",
            name=self.text(el, "x:Institution/x:Name") or "",
            authority_prefix=self.text(el, "x:Behoerdenkennung/x:Praefix/code"),
            org_unit=self.text(el, "x:Organisationseinheit/x:Name"),
            code_list_uri=None if key is None else key.get("listURI"),
            code_list_version=None if key is None else key.get("listVersionID"),
        )


@dataclass(frozen=True)
class FilingSummary:
    """What a DMS needs from a 0605 to answer it."""

    prozess_id: str
    version: Version
    sender: Party
    recipient: Party
    object_ids: tuple[str, ...]
    primary_files: tuple[str, ...]
    receipt_requested: bool


def read_filing(data: bytes) -> FilingSummary:
    """The summary of a ``FVDaten.SGOAblegen.0605`` message."""
    root, version, name = parse_message(data)
    if name != message_name(FILING):
        raise ConfirmationError(f"expected {message_name(FILING)}, got {name}")
    r = Reader(version)
    head = root.find("x:Kopf", r.ns)
    if head is None:
        raise ConfirmationError("message has no Kopf")
    return FilingSummary(
        prozess_id=r.text(head, "x:ProzessID") or "",
        version=version,
        sender=r.party(head.find("x:Absender", r.ns)),
        recipient=r.party(head.find("x:Empfaenger", r.ns)),
        object_ids=tuple(
            e.text or ""
            for e in r.all(root, "x:SchriftgutobjektZumAblegen/x:FachverfahrenObjektID")
        ),
        primary_files=tuple(e.text or "" for e in root.iterfind(".//x:Dateiname", r.ns)),
        receipt_requested=r.text(head, "x:Empfangsbestaetigung") in ("true", "1"),
    )
