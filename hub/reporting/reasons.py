"""What each media-break reason means, in words for the people who read the report.

Reasons are recorded by the tracker as ``kind`` or ``kind:detail``
(``rejected:http_422``, ``gave_up:timeout``); quarantined cases are reported
as ``quarantined:<reason>``. German texts go into the HTML page, English ones
into the terminal help and the documentation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    """A reason in plain words."""

    de: str
    en: str


KINDS: dict[str, Explanation] = {
    "manual_route": Explanation(
        "an ein Sachbearbeitungs-Postfach gesendet und dort von Hand weiterbearbeitet "
        "(für diese Leistung gibt es noch keine digitale Anbindung)",
        "sent to a clerk's mailbox (manual connector): no digital back office for it yet",
    ),
    "no_route": Explanation(
        "keine Zuordnungsregel für diese Leistung; der Antrag ging über den Auffangweg "
        "an die Sachbearbeitung",
        "no routing rule for the service; the case went to the tenant's manual fallback",
    ),
    "rejected": Explanation(
        "vom Fachverfahren oder DMS inhaltlich abgelehnt",
        "the back office refused the content (permanent error, dead-lettered)",
    ),
    "gave_up": Explanation(
        "Zustellung aufgegeben: das Fachverfahren war bis zur Frist nicht erreichbar",
        "delivery given up: the back office stayed unreachable until the deadline (dead-lettered)",
    ),
    "quarantined": Explanation(
        "zurückgehalten (Quarantäne): der Antrag konnte keiner Stelle zugeordnet werden "
        "und liegt beim Betrieb zur Klärung",
        "held in quarantine: the case could not be routed at all and waits for the operators",
    ),
    "unknown": Explanation("Medienbruch ohne erfassten Grund", "media break without a reason"),
}

DETAILS: dict[str, Explanation] = {
    "mapping": Explanation(
        "Daten passen nicht in das Zielformat", "the case cannot be mapped to the target format"
    ),
    "mapping_failed": Explanation(
        "Antragsdaten lassen sich nicht in die Felder des Fachverfahrens abbilden",
        "the mapping cannot fill the procedure's fields from the case",
    ),
    "attachment_missing": Explanation("eine Anlage fehlte", "an attachment could not be passed on"),
    "timeout": Explanation("keine Antwort in der Wartezeit", "no answer in time"),
    "unavailable": Explanation("nicht erreichbar", "unreachable"),
    "no_route": Explanation("keine Regel und kein Auffangweg", "no rule and no fallback connector"),
    "unknown_authority": Explanation(
        "Behörde gehört zu keinem Partner", "the authority belongs to no tenant"
    ),
    "ambiguous_authority": Explanation(
        "Behörde mehreren Partnern zugeordnet", "the authority matches several tenants"
    ),
    "invalid_leitweg_id": Explanation(
        "Leitweg-ID der Rechnung ungültig", "the invoice's Leitweg-ID is invalid"
    ),
    "undecodable": Explanation("Nachricht nicht lesbar", "the message could not be read"),
}


def _detail(detail: str) -> Explanation:
    if detail in DETAILS:
        return DETAILS[detail]
    if detail.startswith("http_"):
        code = detail.removeprefix("http_")
        return Explanation(f"Antwort HTTP {code}", f"answered HTTP {code}")
    return Explanation(detail, detail)


SHORT_DE: dict[str, str] = {
    "manual_route": "Sachbearbeitungs-Postfach",
    "no_route": "keine Zuordnungsregel",
    "rejected": "abgelehnt",
    "gave_up": "Zustellung aufgegeben",
    "quarantined": "Quarantäne",
    "unknown": "ohne Grund",
}


SHORT_DETAILS_DE: dict[str, str] = {
    "mapping": "Format passt nicht",
    "mapping_failed": "Abbildung fehlgeschlagen",
    "attachment_missing": "Anlage fehlt",
    "timeout": "Zeitüberschreitung",
    "unavailable": "nicht erreichbar",
    "no_route": "keine Regel",
    "unknown_authority": "Behörde unbekannt",
    "ambiguous_authority": "Behörde mehrdeutig",
    "invalid_leitweg_id": "Leitweg-ID ungültig",
    "undecodable": "nicht lesbar",
}


def label_de(reason: str) -> str:
    """A short German label for charts and tables: ``abgelehnt (HTTP 422)``."""
    kind, _, detail = reason.partition(":")
    base = SHORT_DE.get(kind, kind)
    if not detail:
        return base
    if detail.startswith("http_"):
        return f"{base} (HTTP {detail.removeprefix('http_')})"
    return f"{base} ({SHORT_DETAILS_DE.get(detail, detail)})"


def explain(reason: str) -> Explanation:
    """Plain-language meaning of a recorded reason (kind, and detail when there is one)."""
    kind, _, detail = reason.partition(":")
    base = KINDS.get(kind)
    if base is None:
        return Explanation(reason, reason)
    if not detail:
        return base
    extra = _detail(detail)
    return Explanation(f"{base.de} ({extra.de})", f"{base.en} ({extra.en})")
