"""Which official rules apply to an invoice, and where their files are.

The files come from Maven Central (``scripts/xrechnung.sh fetch``, versions pinned in
``scripts/xrechnung/pom.xml``) and lie in the rules directory: ``HUB_XRECHNUNG_RULES_DIR``,
by default ``<project root>/.cache/xrechnung``.

:data:`SPECIFICATIONS` maps a specification id (BT-24) to the rule versions that check it, as
KoSIT's validator configuration for XRechnung pairs them (phive-rules-xrechnung registers the
same pairs). KoSIT's configuration also changes the level of a few EN 16931 rules (code lists
that lag behind UN/ECE releases become warnings, three CII structure rules become errors);
:data:`LEVEL_OVERRIDES` holds those changes, as phive-rules-xrechnung carries them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hub.formats.xrechnung.errors import RulesNotFoundError, UnsupportedSpecificationError

RULES_DIR_ENV = "HUB_XRECHNUNG_RULES_DIR"
PROJECT_ROOT = Path(__file__).resolve().parents[3]

XRECHNUNG_30 = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
XRECHNUNG_30_EXTENSION = f"{XRECHNUNG_30}#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0"

Syntax = Literal["ubl", "cii"]
Severity = Literal["fatal", "warning"]

_CODE_LISTS_WARN: dict[str, Severity] = {"BR-CL-21": "warning", "BR-CL-23": "warning"}
_CII_STRUCTURE_FATAL: dict[str, Severity] = {
    "CII-SR-452": "fatal",
    "CII-SR-453": "fatal",
    "CII-SR-454": "fatal",
}
# An extension may use codes beyond the CIUS's lists; those rules only inform there.
_EXTENSION_INFO: dict[str, Severity] = dict.fromkeys(
    ("BR-CL-10", "BR-CL-11", "BR-CL-24", "BR-CL-25", "BR-CL-26"), "warning"
)
LEVEL_OVERRIDES: dict[tuple[str, Syntax], dict[str, Severity]] = {
    (XRECHNUNG_30, "ubl"): _CODE_LISTS_WARN,
    (XRECHNUNG_30, "cii"): _CODE_LISTS_WARN | _CII_STRUCTURE_FATAL,
    (XRECHNUNG_30_EXTENSION, "ubl"): _CODE_LISTS_WARN
    | _EXTENSION_INFO
    | {"BR-CO-16": "warning", "UBL-CR-470": "warning"},
    (XRECHNUNG_30_EXTENSION, "cii"): _CODE_LISTS_WARN | _EXTENSION_INFO | _CII_STRUCTURE_FATAL,
}


@dataclass(frozen=True)
class RuleVersions:
    """The EN 16931 and XRechnung Schematron versions that check one specification."""

    en16931: str
    xrechnung: str


SPECIFICATIONS: dict[str, RuleVersions] = {
    XRECHNUNG_30: RuleVersions(en16931="1.3.15", xrechnung="3.0.2"),
    XRECHNUNG_30_EXTENSION: RuleVersions(en16931="1.3.15", xrechnung="3.0.2"),
}


def default_rules_dir() -> Path:
    """``HUB_XRECHNUNG_RULES_DIR`` if set, else ``<project root>/.cache/xrechnung``."""
    configured = os.environ.get(RULES_DIR_ENV)
    return Path(configured) if configured else PROJECT_ROOT / ".cache" / "xrechnung"


# UBL 2.1 imports these namespaces without a schema location; they are loaded first from here.
_UBL_IMPORTS = (
    (
        "urn:un:unece:uncefact:data:specification:CoreComponentTypeSchemaModule:2",
        "CCTS_CCT_SchemaModule.xsd",
    ),
    ("http://www.w3.org/2000/09/xmldsig#", "xmldsig-core-schema.xsd"),
    ("http://uri.etsi.org/01903/v1.3.2#", "XAdES01903v132-201601.xsd"),
    ("http://uri.etsi.org/01903/v1.4.1#", "XAdES01903v141-201601.xsd"),
)
_NAMESPACES = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "CrossIndustryInvoice": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
}


@dataclass(frozen=True)
class SchemaFiles:
    """One document type's XML Schema: namespaces and files, in the order they must load."""

    imports: tuple[tuple[str, Path], ...]

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every file, for existence checks."""
        return tuple(path for _, path in self.imports)


@dataclass(frozen=True)
class RuleSet:
    """The files that validate one (specification, syntax) pair."""

    specification: str
    syntax: Syntax
    versions: RuleVersions
    xsd: dict[str, SchemaFiles]  # document type -> its schema
    en16931: Path
    xrechnung: Path
    overrides: dict[str, Severity] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The versions used, e.g. ``EN16931 1.3.15, XRechnung 3.0.2 (UBL)``."""
        return (
            f"EN16931 {self.versions.en16931}, XRechnung {self.versions.xrechnung} "
            f"({self.syntax.upper()})"
        )


def rule_set(rules_dir: Path, specification: str, syntax: Syntax) -> RuleSet:
    """The rules for ``specification`` in ``syntax``.

    Raises :class:`UnsupportedSpecificationError` for an unknown specification and
    :class:`RulesNotFoundError` when a file is missing.
    """
    versions = SPECIFICATIONS.get(specification)
    if versions is None:
        known = ", ".join(sorted(SPECIFICATIONS))
        shown = specification or "(none)"
        raise UnsupportedSpecificationError(
            f"specification id (BT-24) {shown!r} is not supported; supported: {known}"
        )
    schematron = rules_dir / "schematron"
    if syntax == "ubl":
        maindoc = rules_dir / "xsd" / "ubl21" / "maindoc"
        common = tuple((ns, rules_dir / "xsd" / "common" / name) for ns, name in _UBL_IMPORTS)
        xsd = {
            doc: SchemaFiles((*common, (_NAMESPACES[doc], maindoc / f"UBL-{doc}-2.1.xsd")))
            for doc in ("Invoice", "CreditNote")
        }
        en = schematron / "en16931" / versions.en16931 / "ubl" / "EN16931-UBL-validation.xslt"
    else:
        standard = rules_dir / "xsd" / "d16b" / "data" / "standard"
        main = standard / "CrossIndustryInvoice_100pD16B.xsd"
        xsd = {"CrossIndustryInvoice": SchemaFiles(((_NAMESPACES["CrossIndustryInvoice"], main),))}
        en = schematron / "en16931" / versions.en16931 / "cii" / "EN16931-CII-validation.xslt"
    xr_name = f"XRechnung-{syntax.upper()}-validation.xslt"
    xr = schematron / "xrechnung" / versions.xrechnung / xr_name
    for path in (*(p for files in xsd.values() for p in files.paths), en, xr):
        if not path.is_file():
            raise RulesNotFoundError(
                f"{path} is missing: run 'scripts/xrechnung.sh fetch' or set {RULES_DIR_ENV}"
            )
    return RuleSet(
        specification=specification,
        syntax=syntax,
        versions=versions,
        xsd=xsd,
        en16931=en,
        xrechnung=xr,
        overrides=LEVEL_OVERRIDES.get((specification, syntax), {}),
    )
