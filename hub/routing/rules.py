"""The routing decision as a pure function of the case and the configuration.

Responsibility: an authority with an area key (ARS, else AGS) belongs to the
tenant with exactly that key; a Kreis matches its own key, never one of its
municipalities'. An authority without an area key belongs to the tenant without
an area that names the service in one of its rules (the MRN).

Targets: the first rule of that tenant whose service matches (exact key or
``*``) in file order; if none matches, the tenant's fallback connector (a media
break, reason ``no_route``); if there is none, no target (quarantine).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.config.tenants import Tenant
from hub.events.models import Application, Authority, PlannedDelivery
from hub.ids import delivery_id
from hub.routing.leitweg import LeitwegId


class ResponsibilityError(LookupError):
    """No tenant, or more than one, is responsible for an authority."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason  # unknown_authority | ambiguous_authority
        self.detail = detail
        super().__init__(detail)


@dataclass(frozen=True)
class RoutingDecision:
    """Where one case goes; ``deliveries`` empty means quarantine with ``reason``."""

    tenant: str
    rule: str
    deliveries: tuple[PlannedDelivery, ...]
    reason: str | None = None  # no_route when the fallback (or nothing) was used


def responsible_tenant(authority: Authority, service: str, tenants: Mapping[str, Tenant]) -> Tenant:
    """The tenant responsible for ``authority`` offering ``service``."""
    if authority.ars or authority.ags:
        matches: list[Tenant] = []
        if authority.ars:
            matches = [t for t in tenants.values() if t.ars == authority.ars]
        if not matches and authority.ags:
            matches = [t for t in tenants.values() if t.ags == authority.ags]
        key = authority.ars or authority.ags
    else:
        matches = [
            t
            for t in tenants.values()
            if not t.has_area and any(r.service == service for r in t.routes)
        ]
        key = f"service {service} (authority without area key)"
    if not matches:
        raise ResponsibilityError("unknown_authority", f"no tenant is responsible for {key}")
    if len(matches) > 1:
        names = ", ".join(sorted(t.id for t in matches))
        raise ResponsibilityError("ambiguous_authority", f"{key} is claimed by {names}")
    return matches[0]


def tenant_for_leitweg_id(leitweg_id: LeitwegId, tenants: Mapping[str, Tenant]) -> Tenant:
    """The tenant with the longest configured prefix of the Leitweg-ID's Grobadressierung."""
    best: tuple[int, Tenant] | None = None
    for tenant in tenants.values():
        for prefix in tenant.leitweg_ids:
            if leitweg_id.grob.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), tenant)
    if best is None:
        raise ResponsibilityError(
            "unknown_leitweg_id", f"no partner receives invoices for Leitweg-ID {leitweg_id}"
        )
    return best[1]


def route_invoice(case_id: str, tenant: Tenant) -> RoutingDecision:
    """Targets of an e-invoice at its tenant: ``invoices.to``, else the fallback, else none."""
    if tenant.invoices:
        return RoutingDecision(
            tenant.id, tenant.invoices.name, _plan(case_id, tenant, tenant.invoices.to)
        )
    return _fallback(case_id, tenant)


def route(case_id: str, application: Application, tenant: Tenant) -> RoutingDecision:
    """Targets of one case at its responsible tenant (see module docstring)."""
    service = application.service.leika_id
    for rule in tenant.routes:
        if rule.service in (service, "*"):
            return RoutingDecision(tenant.id, rule.label, _plan(case_id, tenant, rule.to))
    return _fallback(case_id, tenant)


def _fallback(case_id: str, tenant: Tenant) -> RoutingDecision:
    if tenant.fallback:
        return RoutingDecision(
            tenant.id, "fallback", _plan(case_id, tenant, [tenant.fallback]), reason="no_route"
        )
    return RoutingDecision(tenant.id, "none", (), reason="no_route")


def _plan(case_id: str, tenant: Tenant, connector_ids: list[str]) -> tuple[PlannedDelivery, ...]:
    return tuple(
        PlannedDelivery(
            delivery_id=delivery_id(case_id, tenant.id, cid),
            connector=cid,
            connector_kind=tenant.connectors[cid].kind,
        )
        for cid in dict.fromkeys(connector_ids)  # a connector named twice is delivered once
    )
