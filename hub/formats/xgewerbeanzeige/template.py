"""The structure of an XGewerbeanzeige 2.2 Gewerbeanmeldung, as the official example has it.

The XSD is not published with the material the project builds on, so the
message is built from this template: every element path of KoSIT's valid
instance ``xgwa2.2-valid.xml`` (message ``abh.gewerbemeldung.0500``, a
Gewerbeanmeldung) in the instance's order, with the code-list attributes it
carries. ``tests/unit/formats/xgewerbeanzeige`` checks this text against that
file path by path. Notation, one element a line, indented by depth::

    name [*] [code] [attr=value ...]

``*`` repeatable (a list in the mapped data), ``code`` a code element (its value
goes into an unqualified ``<code>`` child), attributes as in the example.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

NAMESPACE = "http://www.xgewerbeanzeige.de/spezifikation/2.2"
PREFIX = "xga"
VERSION = "2.2"
ROOT = "abh.gewerbemeldung.0500"
MESSAGE_TYPE = "0500"

_BEHOERDE = """
  behoerdenkennung
    praefix code listVersionID=7
    kennung code {kennung}
  erreichbarkeit *
    kanal code
    kennung
  anschrift
    strasse
    hausNr
    ort
    plz
  behoerdenname
"""

_ABH = "listURI=urn:de:xauslaender:codelist:abhkennung listVersionID=14"
_AGS = "listURI=urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:ags listVersionID=2018-01-31"


def _indent(block: str, depth: int) -> str:
    return "\n".join("  " * depth + line for line in block.strip("\n").splitlines())


TEMPLATE = f"""
nachrichtenkopf
  identifikation.nachricht
    nachrichtenUUID
    nachrichtentyp code
    erstellungszeitpunkt
  leser
{_indent(_BEHOERDE.format(kennung=_ABH), 1)}
  autor
{_indent(_BEHOERDE.format(kennung=_AGS), 1)}
satz
  anmeldung
    satzErstellung
    ereigniszeitpunkt
    autor
{_indent(_BEHOERDE.format(kennung=_AGS), 2)}
    istKorrektur code
    gemeindeSchluessel code listVersionID=2019-05-31
    gemeindeMeldungNr
    gewerbebetriebID
    uuid
    gewerbe
      betrieb
        ID
        eingetragenerName
        eintragungNr
        eintragungOrt
        eintragungPLZ
        eintragungArt code
        gerichtSchluessel code listVersionID=5
        rechtsformSchluessel code
      anzahlVollzeitBeschaeftigte
      anzahlTeilzeitBeschaeftigte
      betriebArt
        industrie code
        handwerk code
        handel code
        sonstiges code
      niederlassungArt code
      istReisegewerbe code
      istNebenerwerb code
      handwerkskarte
        status code
        ausgestelltAm
        ausgestelltVonPLZ
        ausgestelltVonOrt
        ausgestelltVonSchluessel code
      anschrift
        strasse
        strassenschluessel
        hausNrVon
        ort
        plz
        nationSchluessel code listVersionID=2
      beteiligtePerson *
        personFunktion code
        familienname
        vorname
        geschlecht code listVersionID=3
        geburtsname
        geburtsdatum
        geburtsort
        geburtsland
        staatangehoerigkeiten
          staatsangehoerigkeitSchluessel * code listVersionID=2019-04-01
        anschrift
          strasse
          hausNrVon
          ort
          plz
          nationSchluessel code listVersionID=2
        erreichbarkeit *
          kanal code
          kennung
        aufenthaltstitel
          status code
          ausgestelltAm
          ausgestelltVonName
          ausgestelltVonPLZ
          ausgestelltVonOrt
    gueltigAb
    datumMeldung
    taetigkeitenGesamt
      schwerpunkt
        taetigkeitSchwerpunkt
        taetigkeitSchluessel
        stichwort
      weitereTaetigkeiten
        taetigkeitenZusammengefasst
    grundAnmeldungSchluessel code
"""

# Parts the builder requires: present in BOTH official examples (2.1 Abmeldung, 2.2
# Anmeldung) and something an online application can supply. Numbers the register
# assigns (gemeindeMeldungNr, gewerbebetriebID) and person data the forms do not ask
# for (geschlecht, staatsangehoerigkeit) are emitted when mapped, not required.
REQUIRED = (
    "nachrichtenkopf/identifikation.nachricht/nachrichtenUUID",
    "nachrichtenkopf/identifikation.nachricht/nachrichtentyp",
    "nachrichtenkopf/identifikation.nachricht/erstellungszeitpunkt",
    "nachrichtenkopf/leser/behoerdenkennung/praefix",
    "nachrichtenkopf/leser/behoerdenkennung/kennung",
    "nachrichtenkopf/leser/behoerdenname",
    "nachrichtenkopf/autor/behoerdenkennung/praefix",
    "nachrichtenkopf/autor/behoerdenkennung/kennung",
    "nachrichtenkopf/autor/behoerdenname",
    "satz/anmeldung/satzErstellung",
    "satz/anmeldung/ereigniszeitpunkt",
    "satz/anmeldung/istKorrektur",
    "satz/anmeldung/gemeindeSchluessel",
    "satz/anmeldung/uuid",
    "satz/anmeldung/gewerbe/betriebArt/industrie",
    "satz/anmeldung/gewerbe/betriebArt/handwerk",
    "satz/anmeldung/gewerbe/betriebArt/handel",
    "satz/anmeldung/gewerbe/betriebArt/sonstiges",
    "satz/anmeldung/gewerbe/niederlassungArt",
    "satz/anmeldung/gewerbe/istReisegewerbe",
    "satz/anmeldung/gewerbe/istNebenerwerb",
    "satz/anmeldung/gewerbe/anschrift/strasse",
    "satz/anmeldung/gewerbe/anschrift/ort",
    "satz/anmeldung/gewerbe/anschrift/plz",
    "satz/anmeldung/gewerbe/beteiligtePerson/personFunktion",
    "satz/anmeldung/gewerbe/beteiligtePerson/familienname",
    "satz/anmeldung/gueltigAb",
    "satz/anmeldung/datumMeldung",
    "satz/anmeldung/taetigkeitenGesamt/schwerpunkt/taetigkeitSchwerpunkt",
)

# Filled by the builder from the delivery, never by a mapping.
GENERATED = ("nachrichtenkopf/identifikation.nachricht",)


@dataclass(frozen=True)
class Node:
    """One element of the template."""

    name: str
    path: str
    repeat: bool = False
    code: bool = False
    attrs: tuple[tuple[str, str], ...] = ()
    children: list[Node] = field(default_factory=list)

    def child(self, name: str) -> Node | None:
        """The child element called ``name``, if the template has one."""
        return next((c for c in self.children if c.name == name), None)


def _parse(text: str) -> Node:
    root = Node(ROOT, "")
    stack: list[tuple[int, Node]] = [(-1, root)]
    for line in text.strip("\n").splitlines():
        depth = (len(line) - len(line.lstrip(" "))) // 2
        name, *flags = line.split()
        while stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1]
        path = f"{parent.path}/{name}" if parent.path else name
        attrs = tuple(tuple(f.split("=", 1)) for f in flags if "=" in f)
        node = Node(name, path, "*" in flags, "code" in flags, attrs)  # type: ignore[arg-type]
        parent.children.append(node)
        stack.append((depth, node))
    return root


@cache
def template() -> Node:
    """The parsed template (root element with its children)."""
    return _parse(TEMPLATE)


def template_paths() -> list[str]:
    """Every element path of the template in document order (``code`` children included)."""
    found: list[str] = []

    def walk(node: Node) -> None:
        for c in node.children:
            found.append(c.path)
            if c.code:
                found.append(f"{c.path}/code")
            walk(c)

    walk(template())
    return found
