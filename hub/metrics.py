"""Every hub metric, declared once on an injectable registry.

Names follow Prometheus conventions: ``hub_`` prefix, base units, ``_total``
counters. Labels are bounded: tenant, service (Leistungsschluessel), connector,
kind, outcome, reason, stage; never a case id.
"""

from __future__ import annotations

import platform

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from hub import __version__

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400)


class HubMetrics:
    """The hub's metrics on one registry (a fresh ``CollectorRegistry`` in tests)."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
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
