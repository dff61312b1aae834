"""Readable names for Leistungsschlüssel and tenant ids.

Status events carry only the 14-digit key. Names come, in this order, from
the portals' own ``service.name`` in the ``ApplicationSubmitted`` events (the
words citizens saw), from the table of known keys below (the services the
cooperation's partners run, from the project's domain notes), and else the key
itself is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hub.events.models import INVOICE_SERVICE, ApplicationSubmitted

KNOWN_SERVICES: Mapping[str, str] = {
    "99050012104000": "Gewerbe anmelden",
    "99115005104000": "Wohnsitz anmelden",
    "99102013104000": "Hundesteuer anmelden",
    "99027002012000": "Geburtsurkunde ausstellen",
    "99101004012000": "Sterbeurkunde ausstellen",
    "99012070006000": "Baugenehmigung",
    "99108014042000": "Aufstellung von Verkehrszeichen anregen",
    "99108001001000": "Bewohnerparkausweis beantragen",
    "99000000000001": "Ehrenamtskarte (regional)",
    INVOICE_SERVICE: "E-Rechnung (XRechnung)",
}


def names_from_submissions(events: Iterable[ApplicationSubmitted]) -> dict[str, str]:
    """Leistungsschlüssel -> the name portals gave it (the latest submission's wins)."""
    names: dict[str, str] = {}
    for ev in sorted(events, key=lambda e: e.envelope.occurred_at):
        service = ev.application.service
        if service.name.strip():
            names[service.leika_id] = service.name.strip()
    return names


class Names:
    """Looks up display names; unknown keys and ids are shown as they are."""

    def __init__(
        self,
        services: Mapping[str, str] | None = None,
        tenants: Mapping[str, str] | None = None,
    ) -> None:
        self._services = {**KNOWN_SERVICES, **(services or {})}
        self._tenants = dict(tenants or {})

    def service(self, key: str) -> str:
        """Readable name of a Leistungsschlüssel (the key when unknown)."""
        return self._services.get(key, key)

    def tenant(self, tenant_id: str) -> str:
        """Readable name of a tenant (the id when unknown)."""
        return self._tenants.get(tenant_id, tenant_id)
