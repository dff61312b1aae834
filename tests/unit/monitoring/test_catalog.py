"""The metric catalogue against the hub's declared metrics, and the PromQL name lexer."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from hub.metrics import HubMetrics
from hub.monitoring.catalog import METRICS, SERIES_NAMES, MetricType, metric_names_in
from hub.runtime.local import PROJECT_ROOT


def _declared() -> dict[str, tuple[str, ...]]:
    """Family name (as exposed) -> label names of every metric hub.metrics declares."""
    registry = CollectorRegistry()
    metrics = HubMetrics(registry)
    declared: dict[str, tuple[str, ...]] = {}
    for attribute in vars(metrics).values():
        name = getattr(attribute, "_name", None)
        if name is None:
            continue
        kind = getattr(attribute, "_type", "")
        exposed = f"{name}_total" if kind == "counter" else name
        declared[exposed] = tuple(getattr(attribute, "_labelnames", ()))
    return declared


def test_every_metric_hub_metrics_declares_is_in_the_catalogue_with_the_same_labels() -> None:
    catalogue = {m.name: m.labels for m in METRICS}
    declared = _declared()

    assert declared
    assert {} == {n: labels for n, labels in declared.items() if catalogue.get(n) != labels}


def test_counters_end_in_total_and_histograms_expose_three_series() -> None:
    for metric in METRICS:
        assert (metric.type is MetricType.counter) == metric.name.endswith("_total"), metric.name
    assert {
        "hub_case_completion_seconds_bucket",
        "hub_case_completion_seconds_sum",
        "hub_case_completion_seconds_count",
    } <= SERIES_NAMES
    assert "hub_case_completion_seconds" not in SERIES_NAMES


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (tenant) (rate(hub_a_total{x="y"}[5m]))', {"hub_a_total"}),
        ("a:b:c / on (tenant) group_left (service) d > 0.5 * 1e3", {"a:b:c", "d"}),
        ('histogram_quantile(0.95, sum(rate(h_bucket{t=~"$tenant"}[$__rate_interval])) by (le))',
         {"h_bucket"}),
        ("topk(10, sum without (instance) (x)) or vector(0) unless y offset 5m", {"x", "y"}),
        ('up == 0 and on (job, instance) max_over_time(b[1d])', {"up", "b"}),
    ],
)  # fmt: skip
def test_metric_names_in_finds_selected_names_only(expr: str, names: set[str]) -> None:
    assert names == metric_names_in(expr)


def test_every_metric_is_documented_with_its_labels() -> None:
    docs = (PROJECT_ROOT / "docs" / "monitoring.md").read_text()

    for metric in METRICS:
        assert f"| `{metric.name}` | {metric.type} | {', '.join(metric.labels) or '-'} |" in docs
