"""Names, namespaces and code-list values of xdomea 3.x used by the hub.

Values come from the KoSIT schemas (``xdomea-Datentypen.xsd``). The Dateiformat
code list is not part of the schema (its ``code`` is a plain token, ``listVersionID``
required): only the codes shown in published transfer packages are built in
(``018`` PDF, ``035`` DOCX, list version 1.0), every other format is filed as
``100`` ("Sonstiges") with ``SonstigerName``, as the schema's hint asks; tenants
add codes their DMS knows through ``FilingSettings.format_codes``.
"""

from __future__ import annotations

from typing import Final, Literal

Version = Literal["3.1.0", "3.0.0"]
VERSIONS: Final[tuple[Version, ...]] = ("3.1.0", "3.0.0")

MESSAGE_TYPE_LIST_URI: Final = "urn:xoev-de:xdomea:codeliste:nachrichtentyp"
MESSAGE_TYPE_LIST_VERSION: Final = "2.0"
FORMAT_LIST_URI: Final = "urn:xoev-de:xdomea:codeliste:dateiformat"
DEFAULT_FORMAT_LIST_VERSION: Final = "1.0"
GENERAL_REPLY_LIST_URI: Final = "urn:xoev-de:xdomea:codeliste:allgemeinerueckmeldung"
GENERAL_REPLY_LIST_VERSION: Final = "1.1"
SPECIFIC_0605_LIST_URI: Final = "urn:xoev-de:xdomea:codeliste:spezifischefehlermeldung0605"
SPECIFIC_0605_LIST_VERSION: Final = "1.0"

# message name -> code (Nachrichtentyp); the root element is "{name}.{code}"
FILING: Final = ("FVDaten.SGOAblegen", "0605")
RECEIPT: Final = ("FVDaten.EmpfangBestaetigen", "0629")
IMPORT: Final = ("FVDaten.ImportBestaetigen", "0630")

SUCCESS_CODE: Final = "0000000"
OTHER_FORMAT_CODE: Final = "100"  # "Sonstiges": the format's name goes into SonstigerName

# General replies a DMS gives a Fachverfahren (AllgemeineRueckmeldung, FV -> DMS part)
GENERAL_REPLIES: Final[dict[str, str]] = {
    "0000000": "Ausführung wurde erfolgreich beendet.",
    "0000001": "DMS nicht verfügbar oder Time-out.",
    "0000002": "Verbindungsabbruch.",
    "0000003": "Die Kennung ist dem DMS nicht bekannt.",
    "0000004": "Dem Benutzer bzw. der Rolle fehlen die erforderlichen Rechte.",
    "0000005": "Die ID des Fachverfahrens ist unbekannt.",
    "0000006": "Die ID der Verwaltung ist unbekannt.",
    "0000007": "DMS-Session-ID ungültig bzw. nicht bekannt.",
    "0000008": "Die XML-Struktur entspricht nicht dem Schema und ist nicht valide.",
    "0000009": "Die Nachricht ist bereits verarbeitet.",
    "0000010": "Die Stapellänge ist kleiner oder gleich 0.",
    "0000011": "Die Stapellänge ist größer als 1 und in der Dialogverarbeitung unzulässig.",
    "0000012": "Die Stapellänge ist kleiner als 1 und in der Stapelverarbeitung unzulässig.",
    "0000013": "Die Länge des Stapels stimmt nicht mit der Anzahl der Objekte überein.",
    "0000014": "Der Stapel ist syntaktisch nicht korrekt.",
    "0000015": "Übertragungsfehler.",
    "0000016": "Das Verzeichnis ist ungültig.",
    "0000017": "Die URL ist ungültig.",
    "0000018": "Die Datei kann nicht gefunden werden.",
    "0000019": "Die Datenbanktabelle ist nicht zugreifbar.",
    "0000499": "Unbekannter Fehler.",
}

# Replies specific to filing (SpezifischeFehlermeldung0605)
FILING_REPLIES: Final[dict[str, str]] = {
    "0605001": "Die ID des Containers ist im DMS unbekannt/ungültig.",
    "0605002": "Das Verzeichnis ist ungültig.",
    "0605003": "Die URL ist ungültig.",
    "0605004": "Datei kann nicht gefunden werden.",
    "0605005": "Datei kann im DMS nicht abgelegt werden.",
    "0605006": "Der Name eines Metadatums enthält ungültige Zeichen.",
    "0605007": "Der Wert eines Metadatums enthält ungültige Zeichen.",
    "0605008": "Die Beschreibung eines Metadatums enthält ungültige Zeichen.",
}

# Dateiformat codes evidenced by published packages (list version 1.0)
BUILTIN_FORMAT_CODES: Final[dict[str, str]] = {
    "application/pdf": "018",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "035",
}

# Short format names for SonstigerName and for file name extensions
FORMAT_NAMES: Final[dict[str, str]] = {
    "application/pdf": "pdf",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/plain": "txt",
    "text/csv": "csv",
    "text/html": "html",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/tiff": "tif",
    "image/gif": "gif",
    "image/bmp": "bmp",
    "image/heic": "heic",
    "image/webp": "webp",
    "image/svg+xml": "svg",
    "application/zip": "zip",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "message/rfc822": "eml",
}

# Media types stored without compression in the ZIP: they are compressed already
STORED_MEDIA_TYPES: Final = frozenset(
    {
        "application/pdf",
        "application/zip",
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/heic",
        "image/webp",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)


def namespace(version: Version) -> str:
    """The target namespace of an xdomea version."""
    return f"urn:xoev-de:xdomea:schema:{version}"


def message_name(message: tuple[str, str]) -> str:
    """``FVDaten.SGOAblegen.0605`` for ``FILING``: root element and file name part."""
    return f"{message[0]}.{message[1]}"


def base_media_type(media_type: str) -> str:
    """``image/jpeg`` for ``Image/JPEG; q=1``."""
    return media_type.split(";", 1)[0].strip().lower()
