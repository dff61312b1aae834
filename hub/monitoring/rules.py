"""The one source of the hub's recording rules and alerts.

``generate`` turns these into the plain Prometheus rule file and the PrometheusRule; the
promtool unit tests in ``tests/monitoring/`` test every rule defined here, and
``docs/monitoring.md`` documents each one with a runbook section per alert.

Naming follows Prometheus' ``level:metric:operation`` convention: the level is the labels the
result keeps (``tenant``, ``tenant_service``), the operation names the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

#: The KPI windows: recent (1h), daily (1d, the alerting window), the baseline (30d).
KPI_WINDOWS = ("1h", "1d", "30d")
#: Aggregation levels of the media-break-free ratio and the completed-case volume.
KPI_LEVELS: dict[str, tuple[str, ...]] = {
    "tenant": ("tenant",),
    "service": ("service",),
    "tenant_service": ("tenant", "service"),
}

# Alert thresholds. Changing one means changing its promtool test and docs/monitoring.md.
PARKED_FOR = "30m"
LAG_SECONDS = 300
LAG_FOR = "10m"
NOT_READY_FOR = "5m"
RESTARTS_IN_30M = 2
RATIO_MARGIN = 0.10  # media-break-free share, 1d below its 30d level by this much
RATIO_MIN_CASES_1D = 20  # fewer completed cases in a day than this never alert
INVOICE_MARGIN = 0.15
INVOICE_MIN_1D = 10


class Severity(StrEnum):
    """Who is told: ``page`` wakes someone, ``ticket`` is work for office hours, ``info`` a hint."""

    page = "page"
    ticket = "ticket"
    info = "info"


@dataclass(frozen=True)
class RecordingRule:
    """A recorded series: its name, the PromQL that computes it, what it means (for the docs)."""

    record: str
    expr: str
    meaning: str

    def to_dict(self) -> dict[str, Any]:
        """The rule as it appears in a Prometheus rule group."""
        return {"record": self.record, "expr": self.expr}


@dataclass(frozen=True)
class AlertRule:
    """An alert with its severity, annotations and the runbook section that explains it."""

    alert: str
    expr: str
    for_: str
    severity: Severity
    summary: str
    description: str
    runbook: str  # anchor in docs/monitoring.md, e.g. "runbook-dead-letters-growing"

    def to_dict(self, runbook_base_url: str) -> dict[str, Any]:
        """The rule as it appears in a Prometheus rule group, the runbook link made absolute."""
        rule: dict[str, Any] = {"alert": self.alert, "expr": self.expr}
        if self.for_ != "0m":
            rule["for"] = self.for_
        rule["labels"] = {"severity": str(self.severity)}
        rule["annotations"] = {
            "summary": self.summary,
            "description": self.description,
            "runbook_url": f"{runbook_base_url}#{self.runbook}",
        }
        return rule


@dataclass(frozen=True)
class RuleGroup:
    """A Prometheus rule group: evaluated together, at its own interval."""

    name: str
    interval: str
    rules: tuple[RecordingRule | AlertRule, ...]

    def to_dict(self, runbook_base_url: str) -> dict[str, Any]:
        """The group as it appears in a rule file's ``groups``."""
        return {
            "name": self.name,
            "interval": self.interval,
            "rules": [
                r.to_dict(runbook_base_url) if isinstance(r, AlertRule) else r.to_dict()
                for r in self.rules
            ],
        }


def _by(labels: tuple[str, ...]) -> str:
    return f"sum by ({', '.join(labels)})"


def _share(counter: str, good: str, labels: tuple[str, ...], window: str) -> str:
    """Good events over all events; 0 (not absent) when there were events but no good ones,
    absent (not NaN) when there were none."""
    total = f"{_by(labels)} (increase({counter}[{window}]))"
    good_part = f"{_by(labels)} (increase({counter}{{{good}}}[{window}]))"
    return f"(\n  {good_part}\n  or {total} * 0\n)\n/ ({total} > 0)"


def _kpi_rules(window: str) -> list[RecordingRule]:
    rules: list[RecordingRule] = []
    for level, labels in KPI_LEVELS.items():
        rules.append(
            RecordingRule(
                f"{level}:hub_media_break_free:ratio_{window}",
                _share("hub_cases_completed_total", 'media_break="false"', labels, window),
                f"Share of the cases completed in the last {window} that went end to end "
                f"digitally, per {' and '.join(labels)}.",
            )
        )
        rules.append(
            RecordingRule(
                f"{level}:hub_cases_completed:increase_{window}",
                f"{_by(labels)} (increase(hub_cases_completed_total[{window}]))",
                f"Cases completed in the last {window} (the ratio's volume), per "
                f"{' and '.join(labels)}.",
            )
        )
    return rules


def _completion_quantiles(window: str) -> list[RecordingRule]:
    return [
        RecordingRule(
            f"tenant:hub_case_completion_seconds:p{q}_{window}",
            f"histogram_quantile(0.{q}, sum by (tenant, le) "
            f"(rate(hub_case_completion_seconds_bucket[{window}])))",
            f"{q}th percentile of intake-to-final-status time of the cases completed in the "
            f"last {window}, per tenant.",
        )
        for q in (50, 95)
    ]


def _invoice_rules(window: str) -> list[RecordingRule]:
    return [
        RecordingRule(
            f"tenant:hub_invoice_first_pass_valid:ratio_{window}",
            _share("hub_invoices_validated_total", 'outcome="valid"', ("tenant",), window),
            f"Share of the e-invoices received in the last {window} that were valid at intake "
            "(first pass), per tenant.",
        ),
        RecordingRule(
            f"tenant:hub_invoices_validated:increase_{window}",
            f"sum by (tenant) (increase(hub_invoices_validated_total[{window}]))",
            f"E-invoices validated at intake in the last {window}, per tenant.",
        ),
    ]


DELIVERY_ERRORS = RecordingRule(
    "tenant_connector:hub_delivery_errors:ratio_1h",
    "(\n"
    "  sum by (tenant, connector) (increase(hub_deliveries_total"
    '{outcome=~"rejected|gave_up"}[1h]))\n'
    "  or sum by (tenant, connector) (increase(hub_deliveries_total[1h])) * 0\n"
    ")\n"
    "/ (sum by (tenant, connector) (increase(hub_deliveries_total[1h])) > 0)",
    "Share of the deliveries ended in the last hour that were rejected or given up, per "
    "connector instance.",
)


def _alerts() -> tuple[AlertRule, ...]:
    pct = "humanizePercentage"
    return (
        AlertRule(
            "HubDeadLettersGrowing",
            "max without (instance, pod) (delta(hub_dead_letter_depth[30m])) > 0",
            "0m",
            Severity.ticket,
            "Dead letters are piling up",
            "{{ $value | humanize }} more dead-lettered deliveries in the last 30 minutes; each "
            "one is a case that did not reach its back office.",
            "runbook-dead-letters-growing",
        ),
        AlertRule(
            "HubConnectorParked",
            "max by (tenant, connector) (max_over_time(hub_connector_parked[5m])) >= 1",
            PARKED_FOR,
            Severity.ticket,
            "Connector {{ $labels.tenant }}/{{ $labels.connector }} is parked",
            f"Connector {{{{ $labels.connector }}}} of {{{{ $labels.tenant }}}} has waited for "
            f"its back office for more than {PARKED_FOR}; its deliveries are held back.",
            "runbook-connector-parked",
        ),
        AlertRule(
            "HubConsumerLagHigh",
            f"max by (group, topic) (hub_consumer_lag_seconds) > {LAG_SECONDS}",
            LAG_FOR,
            Severity.page,
            "{{ $labels.group }} is behind on {{ $labels.topic }}",
            "The oldest unprocessed message of {{ $labels.topic }} for consumer group "
            "{{ $labels.group }} is {{ $value | humanizeDuration }} old.",
            "runbook-consumer-lag-high",
        ),
        AlertRule(
            "HubRoleNotReady",
            "hub_role_ready == 0",
            NOT_READY_FOR,
            Severity.page,
            "Role {{ $labels.role }} on {{ $labels.instance }} is not ready",
            f"The {{{{ $labels.role }}}} role on {{{{ $labels.instance }}}} has reported not "
            f"ready for {NOT_READY_FOR}.",
            "runbook-role-not-ready",
        ),
        AlertRule(
            "HubInstanceDown",
            "up == 0 and on (job, instance) max_over_time(hub_build_info[1d])",
            NOT_READY_FOR,
            Severity.page,
            "Hub instance {{ $labels.instance }} cannot be scraped",
            f"{{{{ $labels.job }}}}/{{{{ $labels.instance }}}} exposed hub metrics before and "
            f"has not answered scrapes for {NOT_READY_FOR}.",
            "runbook-instance-down",
        ),
        AlertRule(
            "HubRoleRestarting",
            f"changes(process_start_time_seconds[30m]) >= {RESTARTS_IN_30M}\n"
            "and on (job, instance) hub_build_info",
            "0m",
            Severity.ticket,
            "Hub process {{ $labels.instance }} keeps restarting",
            "{{ $labels.job }}/{{ $labels.instance }} restarted {{ $value }} times in the last "
            "30 minutes.",
            "runbook-role-restarting",
        ),
        AlertRule(
            "HubQuarantineGrowing",
            "max without (instance, pod) (delta(hub_quarantine_depth[30m])) > 0",
            "0m",
            Severity.ticket,
            "Quarantine is growing",
            "{{ $value | humanize }} more quarantined messages in the last 30 minutes; these "
            "cases were not routed.",
            "runbook-quarantine-growing",
        ),
        AlertRule(
            "HubMediaBreakFreeRatioDropped",
            f"tenant:hub_media_break_free:ratio_1d\n"
            f"  < tenant:hub_media_break_free:ratio_30d - {RATIO_MARGIN}\n"
            f"and on (tenant) tenant:hub_cases_completed:increase_1d >= {RATIO_MIN_CASES_1D}",
            "1h",
            Severity.ticket,
            "Fewer of {{ $labels.tenant }}'s cases go end to end digitally",
            f"{{{{ $value | {pct} }}}} of {{{{ $labels.tenant }}}}'s cases of the last day were "
            f"media-break-free, more than {RATIO_MARGIN:.0%} below its 30-day level.",
            "runbook-media-break-free-ratio-dropped",
        ),
        AlertRule(
            "HubInvoiceValidityDropped",
            f"tenant:hub_invoice_first_pass_valid:ratio_1d\n"
            f"  < tenant:hub_invoice_first_pass_valid:ratio_30d - {INVOICE_MARGIN}\n"
            f"and on (tenant) tenant:hub_invoices_validated:increase_1d >= {INVOICE_MIN_1D}",
            "1h",
            Severity.ticket,
            "Fewer of {{ $labels.tenant }}'s e-invoices are valid",
            f"{{{{ $value | {pct} }}}} of the e-invoices for {{{{ $labels.tenant }}}} of the "
            f"last day passed validation at intake, more than {INVOICE_MARGIN:.0%} below the "
            "30-day level.",
            "runbook-invoice-validity-dropped",
        ),
        AlertRule(
            "HubCallbacksGivenUp",
            'sum by (portal) (increase(hub_callbacks_total{outcome="gave_up"}[1h])) > 0',
            "0m",
            Severity.ticket,
            "Status callbacks to {{ $labels.portal }} were given up",
            "{{ $value | humanize }} status callbacks to portal {{ $labels.portal }} were given "
            "up in the last hour; citizens there do not see their case's status.",
            "runbook-callbacks-given-up",
        ),
    )


def rule_groups() -> tuple[RuleGroup, ...]:
    """Every rule group of the hub, in the order they are written to the rule files."""
    short = [r for w in ("1h", "1d") for r in _kpi_rules(w)]
    short += [*_completion_quantiles("1h"), *_completion_quantiles("1d"), DELIVERY_ERRORS]
    short += _invoice_rules("1d")
    # The 30-day windows read a month of samples: evaluated less often, they cost little and
    # still move far slower than their interval. Kept under the 5-minute lookback, so that the
    # alerts that read them always find a sample.
    long = [*_kpi_rules("30d"), *_invoice_rules("30d")]
    return (
        RuleGroup("hub-kpi", "1m", tuple(short)),
        RuleGroup("hub-kpi-30d", "3m", tuple(long)),
        RuleGroup("hub-alerts", "1m", _alerts()),
    )


def recording_rules() -> list[RecordingRule]:
    """Every recording rule, in file order."""
    return [r for g in rule_groups() for r in g.rules if isinstance(r, RecordingRule)]


def alert_rules() -> list[AlertRule]:
    """Every alert, in file order."""
    return [r for g in rule_groups() for r in g.rules if isinstance(r, AlertRule)]
