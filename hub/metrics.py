"""Every hub metric, declared once on an injectable registry.

Names follow Prometheus conventions: ``hub_`` prefix, base units, ``_total``
counters. Labels are bounded: tenant, service (Leistungsschluessel), connector,
kind, outcome, reason, stage; never a case id. ``service`` is a service the
configuration names (a Leistungsschluessel of a rule, or ``xrechnung``), else
``other``: see :meth:`HubMetrics.service_label`.

A labelled series appears with its first increment, and ``increase()`` cannot see
that first step, so :meth:`HubMetrics.prepare` creates the label sets the rules and
alerts divide by at 0 when a process starts.
"""

from __future__ import annotations

import platform
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from hub import __version__

if TYPE_CHECKING:
    from hub.config import HubConfig
    from hub.config.tenants import Tenant

#: the service label of a case whose service no rule names
OTHER_SERVICE = "other"
#: the service label of e-invoices
INVOICE_SERVICE = "xrechnung"
DELIVERY_OUTCOMES = ("delivered", "rejected", "gave_up")
CALLBACK_OUTCOMES = ("delivered", "gave_up")
INVOICE_OUTCOMES = ("valid", "invalid")
#: the first reasons a case of a configured tenant can end with as a media break
#: (``hub.tracking.step``: the part before ``:`` of its first reason)
MEDIA_BREAK_REASONS = ("gave_up", "manual_route", "no_route", "rejected")

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400)


class HubMetrics:
    """The hub's metrics on one registry (a fresh ``CollectorRegistry`` in tests)."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.services: frozenset[str] = frozenset({INVOICE_SERVICE})
        self.cases_received = Counter(
            "hub_cases_received_total",
            "Cases accepted by intake (repeats not counted); kind is application or invoice",
            ["kind", "tenant", "service"],
            registry=registry,
        )
        self.intake_rejected = Counter(
            "hub_intake_rejected_total",
            "Requests intake refused, by problem type",
            ["reason"],
            registry=registry,
        )
        self.intake_request_seconds = Histogram(
            "hub_intake_request_duration_seconds",
            "Time intake took to answer a request, by endpoint and status class",
            ["endpoint", "status_class"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )
        self.cases_routed = Counter(
            "hub_cases_routed_total",
            "Cases the router sent to at least one connector",
            ["tenant", "service"],
            registry=registry,
        )
        self.deliveries = Counter(
            "hub_deliveries_total",
            "Ended delivery attempts by outcome",
            ["tenant", "connector", "kind", "outcome"],
            registry=registry,
        )
        self.delivery_retries = Counter(
            "hub_delivery_retries_total",
            "Transient delivery failures that were retried",
            ["tenant", "connector", "kind"],
            registry=registry,
        )
        self.delivery_seconds = Histogram(
            "hub_delivery_seconds",
            "Time to render and hand over one delivery",
            ["tenant", "connector", "kind"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.quarantined = Counter(
            "hub_quarantined_total",
            "Messages put into quarantine, by stage and reason",
            ["stage", "reason"],
            registry=registry,
        )
        self.cases_completed = Counter(
            "hub_cases_completed_total",
            "Cases by their first final status (exactly once per case); media_break says whether "
            "it was end-to-end digital",
            ["tenant", "service", "media_break", "reason"],
            registry=registry,
        )
        self.cases_recovered = Counter(
            "hub_cases_recovered_total",
            "Cases first counted as a media break or quarantined that a replay later completed",
            ["tenant", "service"],
            registry=registry,
        )
        self.callbacks = Counter(
            "hub_callbacks_total",
            "Status callbacks to portals by outcome (delivered, gave_up)",
            ["portal", "outcome"],
            registry=registry,
        )
        self.completion_seconds = Histogram(
            "hub_case_completion_seconds",
            "Time from intake acceptance to the final status of a case",
            ["tenant", "service"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.deliveries_skipped = Counter(
            "hub_deliveries_skipped_total",
            "Requests not handed over because their delivery was handed over before (replays, "
            "re-consumed messages)",
            ["tenant", "connector", "kind"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "hub_dead_letters_total",
            "Deliveries rejected or given up, kept in the dead-letter topic",
            ["tenant", "connector", "kind", "reason"],
            registry=registry,
        )
        self.connector_parked = Gauge(
            "hub_connector_parked",
            "1 while a connector instance waits for its back office between attempts",
            ["tenant", "connector"],
            registry=registry,
        )
        self.redeliveries = Counter(
            "hub_redeliveries_total",
            "Unfinished cases sent through the hub again by reconciliation",
            ["tenant", "service"],
            registry=registry,
        )
        self.confirmation_seconds = Histogram(
            "hub_backoffice_confirmation_seconds",
            "Time from handing a case over to the back office's import confirmation",
            ["tenant", "connector", "kind"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.filed_confirmed = Counter(
            "hub_filed_confirmed_total",
            "Cases filed in the E-Akte with an import confirmation of the DMS",
            ["tenant", "service"],
            registry=registry,
        )
        self.dead_letter_depth = Gauge(
            "hub_dead_letter_depth",
            "Dead-letter entries not replayed yet",
            registry=registry,
        )
        self.quarantine_depth = Gauge(
            "hub_quarantine_depth",
            "Quarantine entries not replayed yet",
            registry=registry,
        )
        self.consumer_lag_messages = Gauge(
            "hub_consumer_lag_messages",
            "Messages not yet processed by a consumer group, per topic",
            ["group", "topic"],
            registry=registry,
        )
        self.consumer_lag_seconds = Gauge(
            "hub_consumer_lag_seconds",
            "Age of the oldest message a consumer group has not processed yet, per topic",
            ["group", "topic"],
            registry=registry,
        )
        self.invoices_validated = Counter(
            "hub_invoices_validated_total",
            "E-invoices validated at intake (first pass), by the tenant's Leitweg-ID prefix",
            ["tenant", "leitweg_prefix", "outcome"],
            registry=registry,
        )
        self.invoice_rule_violations = Counter(
            "hub_invoice_rule_violations_total",
            "Fatal findings of rejected e-invoices, by EN 16931 / XRechnung rule id",
            ["rule"],
            registry=registry,
        )
        self.invoice_validation_seconds = Histogram(
            "hub_invoice_validation_seconds",
            "Time to validate one e-invoice (schema and Schematron)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )
        self.role_ready = Gauge(
            "hub_role_ready",
            "1 while a role of this process would answer /readyz with 200",
            ["role"],
            registry=registry,
        )
        self.build_info = Gauge(
            "hub_build_info",
            "Always 1; the labels say which hub runs",
            ["version", "python"],
            registry=registry,
        )
        self.build_info.labels(__version__, platform.python_version()).set(1)
        self.last_progress = Gauge(
            "hub_agent_last_progress_timestamp_seconds",
            "Unix time an agent last finished a message",
            ["agent"],
            registry=registry,
        )

    def service_label(self, service: str) -> str:
        """``service`` as a label value: one the configuration names, else ``other``."""
        return service if service in self.services else OTHER_SERVICE

    def prepare(
        self,
        config: HubConfig,
        roles: Collection[str],
        connectors: Iterable[tuple[str, str]] | None = None,
    ) -> HubMetrics:
        """Bound the service label by ``config`` and create, at 0, the label sets that the
        rules and alerts of the ``roles`` this process runs need (see the module docstring).

        ``connectors`` are the (tenant, connector) instances this process runs (default all).
        Returns ``self``.
        """
        self.services = config.services
        for role in roles:
            self.role_ready.labels(role).set(0)
        tenants = sorted(config.tenants.values(), key=lambda t: t.id)
        per_tenant = [(t.id, s) for t in tenants for s in tenant_services(t)]
        if "intake" in roles:
            self._prepare_intake(tenants, per_tenant)
        if "router" in roles:
            for tenant, service in per_tenant:
                self.cases_routed.labels(tenant, service)
        if "connector" in roles:
            self._prepare_connectors(tenants, connectors)
        if "tracker" in roles:
            for tenant, service in per_tenant:
                self.cases_completed.labels(tenant, service, "false", "none")
                for reason in MEDIA_BREAK_REASONS:
                    self.cases_completed.labels(tenant, service, "true", reason)
                self.cases_recovered.labels(tenant, service)
        if "notifier" in roles:
            for portal in sorted(p for p, c in config.portals.items() if c.callback is not None):
                for outcome in CALLBACK_OUTCOMES:
                    self.callbacks.labels(portal, outcome)
        return self

    def _prepare_connectors(
        self, tenants: list[Tenant], connectors: Iterable[tuple[str, str]] | None
    ) -> None:
        every = [(t, cid) for t in tenants for cid in t.connectors]
        chosen = None if connectors is None else set(connectors)
        for t, cid in every:
            if chosen is None or (t.id, cid) in chosen:
                kind = t.connectors[cid].kind
                for outcome in DELIVERY_OUTCOMES:
                    self.deliveries.labels(t.id, cid, kind, outcome)
                self.delivery_retries.labels(t.id, cid, kind)
                self.connector_parked.labels(t.id, cid).set(0)

    def _prepare_intake(self, tenants: list[Tenant], per_tenant: list[tuple[str, str]]) -> None:
        for tenant, service in per_tenant:
            kind = "invoice" if service == INVOICE_SERVICE else "application"
            self.cases_received.labels(kind, tenant, service)
        for t in tenants:
            for prefix in t.leitweg_ids:
                for outcome in INVOICE_OUTCOMES:
                    self.invoices_validated.labels(t.id, prefix, outcome)


def tenant_services(tenant: Tenant) -> list[str]:
    """The service labels a tenant's cases can carry: the services its rules name, ``other``
    (taken by a ``*`` rule or a fallback, or quarantined for want of a rule), ``xrechnung``
    when it receives e-invoices."""
    named = sorted({r.service for r in tenant.routes if r.service != "*"})
    named.append(OTHER_SERVICE)
    if tenant.invoices is not None:
        named.append(INVOICE_SERVICE)
    return named
