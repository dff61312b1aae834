"""Every topic of the hub, its key and its value type, declared in one place.

Keys are always the case id (application or invoice id) as UTF-8, so all events
of one case stay in order on one partition.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.events.models import (
    ApplicationSubmitted,
    CaseRouted,
    CaseStatusChanged,
    DeliveryOutcome,
    Event,
    InvoiceReceived,
    Quarantined,
    Replayed,
)


@dataclass(frozen=True)
class Topics:
    """Topic names under one prefix (``HUB_TOPIC_PREFIX``, default ``hub``)."""

    prefix: str = "hub"

    @property
    def submitted(self) -> str:
        """ApplicationSubmitted, written by intake."""
        return f"{self.prefix}.applications.submitted"

    @property
    def invoices(self) -> str:
        """InvoiceReceived, written by intake."""
        return f"{self.prefix}.invoices.received"

    @property
    def routed(self) -> str:
        """CaseRouted, written by the router."""
        return f"{self.prefix}.cases.routed"

    @property
    def outcomes(self) -> str:
        """DeliveryOutcome, written by connectors."""
        return f"{self.prefix}.deliveries.outcomes"

    @property
    def status(self) -> str:
        """CaseStatusChanged, written by the tracker."""
        return f"{self.prefix}.applications.status"

    @property
    def quarantine(self) -> str:
        """Quarantined: messages the router could not route (or decode)."""
        return f"{self.prefix}.quarantine"

    @property
    def deadletter(self) -> str:
        """Quarantined (same record): deliveries rejected or given up by a connector."""
        return f"{self.prefix}.deadletter"

    @property
    def replays(self) -> str:
        """Replayed: which quarantine and dead-letter entries were replayed (compacted)."""
        return f"{self.prefix}.replays"

    def delivery(self, tenant: str, connector: str) -> str:
        """DeliveryRequested for one connector instance of one tenant (created per tenant file)."""
        return f"{self.prefix}.deliveries.{tenant}.{connector}"

    def callbacks(self, portal: str) -> str:
        """CaseStatusChanged of one portal's cases, for its status callbacks."""
        return f"{self.prefix}.callbacks.{portal}"

    def value_types(self) -> dict[str, type[Event]]:
        """Fixed topics and the one event type each carries."""
        return {
            self.submitted: ApplicationSubmitted,
            self.invoices: InvoiceReceived,
            self.routed: CaseRouted,
            self.outcomes: DeliveryOutcome,
            self.status: CaseStatusChanged,
            self.quarantine: Quarantined,
            self.deadletter: Quarantined,
            self.replays: Replayed,
        }
