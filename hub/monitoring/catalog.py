"""The metrics the hub exposes, as the rules and the dashboard may use them.

This is the contract between ``hub.metrics`` (which declares them on a registry) and everything
that queries them: a rule or a panel that names a metric not listed here fails a test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class MetricType(StrEnum):
    """Prometheus metric types the hub uses."""

    counter = "counter"
    gauge = "gauge"
    histogram = "histogram"


@dataclass(frozen=True)
class Metric:
    """One exposed metric family: name as exposed (counters end in ``_total``), labels, meaning."""

    name: str
    type: MetricType
    labels: tuple[str, ...]
    help: str

    def series_names(self) -> tuple[str, ...]:
        """The sample names this family exposes (a histogram has ``_bucket/_sum/_count``)."""
        if self.type is MetricType.histogram:
            return tuple(f"{self.name}{s}" for s in ("_bucket", "_sum", "_count"))
        return (self.name,)


C, G, H = MetricType.counter, MetricType.gauge, MetricType.histogram

METRICS: tuple[Metric, ...] = (
    Metric("hub_cases_received_total", C, ("kind", "tenant", "service"),
           "Cases accepted by intake (repeats not counted); kind is application or invoice."),
    Metric("hub_intake_rejected_total", C, ("reason",),
           "Requests intake refused, by problem type."),
    Metric("hub_intake_request_duration_seconds", H, ("endpoint", "status_class"),
           "Intake request latency; endpoint applications/invoices/status, "
           "status_class 2xx/4xx/5xx."),
    Metric("hub_cases_routed_total", C, ("tenant", "service"),
           "Cases the router sent to at least one connector."),
    Metric("hub_deliveries_total", C, ("tenant", "connector", "kind", "outcome"),
           "Ended delivery attempts; outcome delivered, rejected or gave_up."),
    Metric("hub_delivery_retries_total", C, ("tenant", "connector", "kind"),
           "Transient delivery failures that were retried."),
    Metric("hub_delivery_seconds", H, ("tenant", "connector", "kind"),
           "Time to render and hand over one delivery."),
    Metric("hub_backoffice_confirmation_seconds", H, ("tenant", "connector", "kind"),
           "Hand-over to the back office's import confirmation."),
    Metric("hub_filed_confirmed_total", C, ("tenant", "service"),
           "Cases filed in the E-Akte with an import confirmation."),
    Metric("hub_quarantined_total", C, ("stage", "reason"),
           "Messages put into quarantine, by stage and reason."),
    Metric("hub_dead_letters_total", C, ("tenant", "connector", "kind", "reason"),
           "Deliveries rejected or given up, kept in the dead-letter topic."),
    Metric("hub_dead_letter_depth", G, (),
           "Dead-letter entries not replayed yet."),
    Metric("hub_quarantine_depth", G, (),
           "Quarantine entries not replayed yet."),
    Metric("hub_cases_completed_total", C, ("tenant", "service", "media_break", "reason"),
           "Exactly once per case, its first final outcome; media_break true or false, reason none "
           "when media_break is false; service a Leistungsschluessel, xrechnung or other."),
    Metric("hub_cases_recovered_total", C, ("tenant", "service"),
           "Cases first counted as media break that later completed digitally (after a replay)."),
    Metric("hub_case_completion_seconds", H, ("tenant", "service"),
           "Intake acceptance to the first final status of a case."),
    Metric("hub_deliveries_skipped_total", C, ("tenant", "connector", "kind"),
           "Requests not handed over again because they were handed over before."),
    Metric("hub_connector_parked", G, ("tenant", "connector"),
           "1 while a connector instance waits for its back office between retries."),
    Metric("hub_redeliveries_total", C, ("tenant", "service"),
           "Unfinished cases sent through the hub again by reconciliation."),
    Metric("hub_agent_last_progress_timestamp_seconds", G, ("agent",),
           "Unix time an agent last finished a message."),
    Metric("hub_consumer_lag_messages", G, ("group", "topic"),
           "Messages not yet processed by a consumer group."),
    Metric("hub_consumer_lag_seconds", G, ("group", "topic"),
           "Age of the oldest message a consumer group has not processed yet."),
    Metric("hub_invoices_validated_total", C, ("tenant", "leitweg_prefix", "outcome"),
           "First-pass validation of e-invoices at intake; outcome valid or invalid."),
    Metric("hub_invoice_rule_violations_total", C, ("rule",),
           "Violated XRechnung/EN 16931 business rules, by rule id."),
    Metric("hub_invoice_validation_seconds", H, (),
           "Time to validate one e-invoice."),
    Metric("hub_callbacks_total", C, ("portal", "outcome"),
           "Status callbacks to portals; outcome delivered or gave_up."),
    Metric("hub_role_ready", G, ("role",),
           "1 while a role (intake, router, connector, tracker, notifier) is ready, else 0."),
    Metric("hub_build_info", G, ("version", "python"),
           "Always 1; the hub's version and Python version as labels."),
    Metric("process_start_time_seconds", G, (),
           "Standard: Unix time the process started (a change means a restart)."),
    Metric("up", G, (),
           "Standard, set by Prometheus: 1 when the last scrape of the target succeeded."),
)  # fmt: skip

SERIES_NAMES: frozenset[str] = frozenset(n for m in METRICS for n in m.series_names())

# Keywords that can stand where a metric name could; functions and aggregations are recognised
# by the "(" after them, grouping label lists, strings, matchers and ranges are removed first.
_KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "inf", "nan", "by", "without"})
_REMOVE = re.compile(
    r'"(?:[^"\\]|\\.)*"'  # string literals (label values)
    r"|\{[^}]*\}"  # label matchers
    r"|\[[^\]]*\]"  # range and subquery durations
    r"|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"  # label lists
    r"|\$\{?\w+\}?"  # Grafana variables such as $__rate_interval
)
_IDENT = re.compile(r"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*+(?!\s*\()")


def metric_names_in(expr: str) -> set[str]:
    """Metric names (and recording-rule names) a PromQL expression selects.

    A light lexer, enough for the expressions of this project: identifiers outside strings,
    label matchers, ranges and grouping label lists that are neither functions (followed by
    ``(``) nor keywords.
    """
    stripped = _REMOVE.sub(" ", expr)
    return {name for name in _IDENT.findall(stripped) if name not in _KEYWORDS}
