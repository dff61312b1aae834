"""The router's step as a pure function: an accepted case in, the events to write out.

The tenant was resolved once, at intake, and travels in the envelope; the router
checks it is still configured and routes within it (the rule for the service, or
``invoices.to`` for an e-invoice). A case that cannot be routed becomes a
quarantine decision with its reason; nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.config.tenants import Tenant
from hub.events.models import (
    INVOICE_SERVICE,
    ApplicationSubmitted,
    CaseRouted,
    DeliveryRequested,
    InvoiceReceived,
)
from hub.routing.rules import RoutingDecision, route, route_invoice

Case = ApplicationSubmitted | InvoiceReceived


@dataclass(frozen=True)
class Routed:
    """Where a case goes: one request per target, and the decision for the tracker."""

    requests: tuple[DeliveryRequested, ...]
    routed: CaseRouted

    @property
    def tenant(self) -> str:
        """The tenant the case was routed within."""
        return self.routed.envelope.tenant


@dataclass(frozen=True)
class Unroutable:
    """The case cannot be routed: quarantine it with this reason."""

    reason: str  # unknown_tenant | no_route
    detail: str
    tenant: str = ""


def service_of(case: Case) -> str:
    """The case's service: its Leistungsschlüssel, or ``xrechnung`` for an e-invoice."""
    if isinstance(case, ApplicationSubmitted):
        return case.application.service.leika_id
    return INVOICE_SERVICE


def decide(case: Case, tenant: Tenant) -> RoutingDecision:
    """The routing decision within the case's tenant."""
    if isinstance(case, ApplicationSubmitted):
        return route(case.envelope.case_id, case.application, tenant)
    return route_invoice(case.envelope.case_id, tenant)


def route_case(
    case: Case, tenants: Mapping[str, Tenant], position: tuple[str, int, int] = ("", -1, -1)
) -> Routed | Unroutable:
    """Route one accepted case; ``position`` (topic, partition, offset) is where it was read."""
    env = case.envelope
    tenant = tenants.get(env.tenant)
    if tenant is None:
        return Unroutable(
            "unknown_tenant",
            f"tenant {env.tenant!r} of the case is not configured (any more)",
            env.tenant,
        )
    decision = decide(case, tenant)
    service = service_of(case)
    if not decision.deliveries:
        return Unroutable(
            "no_route",
            f"no rule of tenant {tenant.id} matches {service} and it has no fallback",
            tenant.id,
        )
    requests = tuple(
        DeliveryRequested(
            envelope=env.follow(tenant=tenant.id),
            delivery_id=planned.delivery_id,
            connector=planned.connector,
            connector_kind=planned.connector_kind,
            rule=decision.rule,
            application=case.application if isinstance(case, ApplicationSubmitted) else None,
            invoice=case.invoice if isinstance(case, InvoiceReceived) else None,
        )
        for planned in decision.deliveries
    )
    topic, partition, offset = position
    routed = CaseRouted(
        envelope=env.follow(tenant=tenant.id),
        rule=decision.rule,
        service=service,
        deliveries=decision.deliveries,
        reason=decision.reason,
        source_topic=topic or None,
        source_partition=partition,
        source_offset=offset,
        portal=case.application.portal if isinstance(case, ApplicationSubmitted) else case.portal,
    )
    return Routed(requests, routed)
