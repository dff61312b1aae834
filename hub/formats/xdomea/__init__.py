"""xdomea 3.x for the Fachverfahren-to-DMS message group: filing and its confirmations."""

from hub.formats.xdomea.codes import VERSIONS, Version
from hub.formats.xdomea.confirmations import (
    Confirmation,
    build_import_0630,
    build_receipt_0629,
    confirmation_filename,
    parse_confirmation,
)
from hub.formats.xdomea.errors import MappingError
from hub.formats.xdomea.filing import FilingPackage, PackageEntry, package_stem, render_filing
from hub.formats.xdomea.reading import FilingSummary, read_filing
from hub.formats.xdomea.settings import FilingSettings, Party, PrimaryDocument

__all__ = [
    "VERSIONS",
    "Confirmation",
    "FilingPackage",
    "FilingSettings",
    "FilingSummary",
    "MappingError",
    "PackageEntry",
    "Party",
    "PrimaryDocument",
    "Version",
    "build_import_0630",
    "build_receipt_0629",
    "confirmation_filename",
    "package_stem",
    "parse_confirmation",
    "read_filing",
    "render_filing",
]
