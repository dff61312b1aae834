"""What can be checked of code values without the code lists themselves.

The official examples name the code lists they use (``listURI`` in the 2.1
instance, ``listVersionID`` in both). Where a list is closed and evident from
them (``janein``: 0/1) the value must be one of its codes; elsewhere the value
must have the shape of the codes the examples carry (digits of that length and
so on). Authority identifiers (``behoerdenkennung/kennung``) come from
different lists depending on the kind of authority; a mapping may name the list,
but only one of those the examples use.
"""

from __future__ import annotations

import re

JANEIN = frozenset({"0", "1"})

# element name -> allowed codes (a set) or the shape of a code (a regex)
CODE_RULES: dict[str, frozenset[str] | re.Pattern[str]] = {
    "nachrichtentyp": frozenset({"0500"}),
    "istKorrektur": JANEIN,
    "industrie": JANEIN,
    "handwerk": JANEIN,
    "handel": JANEIN,
    "sonstiges": JANEIN,
    "istReisegewerbe": JANEIN,
    "istNebenerwerb": JANEIN,
    "praefix": re.compile(r"^[A-Za-z]{2,10}$"),  # DVDV prefixes: azr, MELDID, xga
    "kennung": re.compile(r"^\d{6,12}$"),  # 000100, 12052000 (AGS), 491000000000
    "kanal": re.compile(r"^\d{2}$"),  # 01 e-mail, 02 telephone, 09 web
    "gemeindeSchluessel": re.compile(r"^\d{8}$"),  # the AGS
    "eintragungArt": re.compile(r"^[A-Z]{1,3}$"),
    "gerichtSchluessel": re.compile(r"^[A-Z]\d{4}$"),
    "rechtsformSchluessel": re.compile(r"^\d{3}$"),
    "niederlassungArt": re.compile(r"^\d$"),
    "status": re.compile(r"^\d$"),
    "ausgestelltVonSchluessel": re.compile(r"^\d{5}$"),
    "nationSchluessel": re.compile(r"^\d{3}$"),
    "personFunktion": re.compile(r"^\d$"),
    "geschlecht": re.compile(r"^\d$"),
    "staatsangehoerigkeitSchluessel": re.compile(r"^\d{3}$"),
    "grundAnmeldungSchluessel": re.compile(r"^\d{2}$"),
}

# (listURI, listVersionID) of authority identifiers, as the official examples use them
KENNUNG_LISTS = frozenset(
    {
        ("urn:de:xauslaender:codelist:abhkennung", "14"),
        ("urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:ags", "2018-01-31"),
        ("urn:xoev-de:xgewerbeanzeige:codeliste:weiterekommunikationspartner", "2018-10-11"),
    }
)


def code_problem(element: str, value: str) -> str | None:
    """Why ``value`` cannot be a code of ``element``, or None when it can."""
    rule = CODE_RULES.get(element)
    if rule is None:
        return None
    if isinstance(rule, frozenset):
        return None if value in rule else f"must be one of {', '.join(sorted(rule))}"
    if rule.match(value):
        return None
    return f"does not have the form of its code list ({rule.pattern})"
