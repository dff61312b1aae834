"""The hub's Grafana dashboard: overview, per tenant, connectors, pipeline health.

Every expression reads either a recording rule of ``hub.monitoring.rules`` or a metric of
``hub.monitoring.catalog``; a test parses each with promtool and checks the names.
"""

from __future__ import annotations

from typing import Any

from hub.monitoring.grafana import (
    Panel,
    Query,
    Row,
    dashboard,
    datasource_variable,
    query_variable,
)

UID = "ikz-hub"
T = 'tenant=~"$tenant"'  # the tenant filter every tenant-scoped query carries


def _ts(title: str, *queries: Query, unit: str = "short", width: int = 8, desc: str = "") -> Panel:
    return Panel("timeseries", title, queries, description=desc, unit=unit, width=width)


def _overview() -> Row:
    return Row(
        "Overview",
        (
            _ts(
                "Cases per minute",
                Query(
                    f"sum by (kind) (rate(hub_cases_received_total{{{T}}}[$__rate_interval])) * 60",
                    "{{kind}}",
                ),
                desc="Cases accepted by intake, applications and e-invoices.",
            ),
            _ts(
                "Media-break-free share per tenant (1d)",
                Query(f"tenant:hub_media_break_free:ratio_1d{{{T}}}", "{{tenant}}"),
                Query(f"tenant:hub_media_break_free:ratio_30d{{{T}}}", "{{tenant}} (30d)"),
                unit="percentunit",
                desc="Share of completed cases that went end to end digitally; each case counts "
                "once, with its first final outcome.",
            ),
            _ts(
                "Completion time p95 (1h)",
                Query(f"tenant:hub_case_completion_seconds:p95_1h{{{T}}}", "{{tenant}} p95"),
                Query(f"tenant:hub_case_completion_seconds:p50_1h{{{T}}}", "{{tenant}} p50"),
                unit="s",
                desc="Intake acceptance to first final status.",
            ),
        ),
    )


def _services_table() -> Panel:
    by_field = {"Value #A": "share 1d", "Value #B": "cases 1d", "Value #C": "share 30d"}
    return Panel(
        "table",
        "Services",
        (
            Query(f"tenant_service:hub_media_break_free:ratio_1d{{{T}}}", instant=True),
            Query(f"tenant_service:hub_cases_completed:increase_1d{{{T}}}", instant=True),
            Query(f"tenant_service:hub_media_break_free:ratio_30d{{{T}}}", instant=True),
        ),
        description="Per Leistungsschluessel: media-break-free share and completed cases.",
        unit="none",
        width=14,
        height=10,
        transformations=(
            {"id": "merge", "options": {}},
            {
                "id": "organize",
                "options": {
                    "excludeByName": {"Time": True, "tenant": True},
                    "renameByName": by_field,
                },
            },
        ),
        options={"sortBy": [{"displayName": "cases 1d", "desc": True}]},
    )


def _per_tenant() -> Row:
    return Row(
        "Tenant $tenant",
        (
            _services_table(),
            Panel(
                "bargauge",
                "Top media-break reasons",
                (
                    Query(
                        "topk(10, sum by (reason) (increase(hub_cases_completed_total"
                        f'{{{T}, media_break="true"}}[$__range])))',
                        "{{reason}}",
                        instant=True,
                    ),
                ),
                description="Why cases left the digital path, over the dashboard's time range.",
                width=10,
                height=10,
                options={"orientation": "horizontal", "displayMode": "basic"},
            ),
            _ts(
                "Recovered after replay",
                Query(
                    "sum by (service) "
                    f"(increase(hub_cases_recovered_total{{{T}}}[$__rate_interval]))",
                    "{{service}}",
                ),
                desc="Cases first counted as media break that later completed digitally.",
                width=12,
            ),
            _ts(
                "Filed with import confirmation",
                Query(
                    "sum by (service) "
                    f"(rate(hub_filed_confirmed_total{{{T}}}[$__rate_interval])) * 60",
                    "{{service}}",
                ),
                desc="Cases per minute filed in the E-Akte with the back office's confirmation.",
                width=12,
            ),
        ),
        repeat="tenant",
    )


def _connectors() -> Row:
    per_conn = "tenant, connector"
    return Row(
        "Connectors",
        (
            _ts(
                "Deliveries per minute",
                Query(
                    f"sum by ({per_conn}, outcome) "
                    f"(rate(hub_deliveries_total{{{T}}}[$__rate_interval])) * 60",
                    "{{tenant}}/{{connector}} {{outcome}}",
                ),
                width=12,
            ),
            _ts(
                "Delivery error share (1h)",
                Query(
                    f"tenant_connector:hub_delivery_errors:ratio_1h{{{T}}}",
                    "{{tenant}}/{{connector}}",
                ),
                unit="percentunit",
                desc="Rejected or given up, over all ended deliveries.",
                width=12,
            ),
            _ts(
                "Retries per minute",
                Query(
                    f"sum by ({per_conn}) "
                    f"(rate(hub_delivery_retries_total{{{T}}}[$__rate_interval])) * 60",
                    "{{tenant}}/{{connector}}",
                ),
            ),
            _ts(
                "Parked connectors",
                Query(
                    f"max by ({per_conn}) (hub_connector_parked{{{T}}})", "{{tenant}}/{{connector}}"
                ),
                desc="1 while the connector waits for its back office between retries.",
            ),
            _ts(
                "Back-office confirmation p95",
                Query(
                    f"histogram_quantile(0.95, sum by ({per_conn}, le) "
                    f"(rate(hub_backoffice_confirmation_seconds_bucket{{{T}}}[$__rate_interval])))",
                    "{{tenant}}/{{connector}}",
                ),
                Query(
                    f"histogram_quantile(0.95, sum by ({per_conn}, le) "
                    f"(rate(hub_delivery_seconds_bucket{{{T}}}[$__rate_interval])))",
                    "{{tenant}}/{{connector}} hand-over",
                ),
                unit="s",
                desc="Hand-over to import confirmation, and the hand-over itself.",
            ),
        ),
    )


def _pipeline() -> Row:
    return Row(
        "Pipeline health",
        (
            _ts(
                "Consumer lag (messages)",
                Query("max by (group, topic) (hub_consumer_lag_messages)", "{{group}} {{topic}}"),
            ),
            _ts(
                "Consumer lag (age of oldest message)",
                Query("max by (group, topic) (hub_consumer_lag_seconds)", "{{group}} {{topic}}"),
                unit="s",
            ),
            _ts(
                "Role readiness",
                Query("min by (role) (hub_role_ready)", "{{role}}"),
                Query(
                    "changes(process_start_time_seconds[$__rate_interval]) "
                    "and on (job, instance) hub_build_info",
                    "restarts {{instance}}",
                ),
                desc="1 ready, 0 not ready; restarts of hub processes.",
            ),
            _ts(
                "Dead letters and quarantine (not replayed)",
                Query("max(hub_dead_letter_depth)", "dead letters"),
                Query("max(hub_quarantine_depth)", "quarantine"),
                desc="Replay with `hub dlq replay`.",
            ),
            _ts(
                "Quarantined per hour",
                Query(
                    "sum by (stage, reason) (rate(hub_quarantined_total[$__rate_interval])) * 3600",
                    "{{stage}} {{reason}}",
                ),
            ),
            _ts(
                "Intake p95 latency",
                Query(
                    "histogram_quantile(0.95, sum by (endpoint, le) "
                    "(rate(hub_intake_request_duration_seconds_bucket[$__rate_interval])))",
                    "{{endpoint}}",
                ),
                Query(
                    "sum by (endpoint, status_class) "
                    "(rate(hub_intake_request_duration_seconds_count[$__rate_interval]))",
                    "{{endpoint}} {{status_class}} req/s",
                ),
                unit="s",
            ),
            _ts(
                "E-invoice first-pass validity (1d)",
                Query(f"tenant:hub_invoice_first_pass_valid:ratio_1d{{{T}}}", "{{tenant}}"),
                unit="percentunit",
            ),
            _ts(
                "Invoice rule violations per hour",
                Query(
                    "topk(10, sum by (rule) (rate(hub_invoice_rule_violations_total"
                    "[$__rate_interval]))) * 3600",
                    "{{rule}}",
                ),
            ),
            _ts(
                "Status callbacks per minute",
                Query(
                    "sum by (portal, outcome) (rate(hub_callbacks_total[$__rate_interval])) * 60",
                    "{{portal}} {{outcome}}",
                ),
            ),
        ),
    )


def hub_dashboard() -> dict[str, Any]:
    """The dashboard JSON model as written to ``deploy/grafana/hub-dashboard.json``."""
    return dashboard(
        uid=UID,
        title="IKZ Hub",
        description="Media-break-free share, connectors and pipeline health of the hub.",
        tags=("ikz-hub", "ozg"),
        variables=[
            datasource_variable(),
            query_variable("tenant", "Tenant", "label_values(hub_cases_received_total, tenant)"),
        ],
        rows=(_overview(), _per_tenant(), _connectors(), _pipeline()),
    )
