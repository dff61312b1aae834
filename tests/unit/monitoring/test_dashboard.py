"""The Grafana dashboard: its structure, and every PromQL in it parsed by promtool."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from hub.monitoring.catalog import SERIES_NAMES, metric_names_in
from hub.monitoring.dashboard import hub_dashboard
from hub.monitoring.grafana import GRID_WIDTH, expressions
from hub.monitoring.rules import recording_rules

from .conftest import Promtool

MODEL = hub_dashboard()
EXPRESSIONS = expressions(MODEL)
RECORDS = frozenset(r.record for r in recording_rules())
# What Grafana puts in for its variables, so promtool sees plain PromQL
GRAFANA_VARIABLES = {
    "$__rate_interval": "5m",
    "$__range": "1d",
    "$__interval": "1m",
    "$tenant": ".*",
}


def _plain(expr: str) -> str:
    for var, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(var, value)
    assert "$" not in expr, f"unknown variable in {expr!r}"
    return expr


def test_every_dashboard_expression_parses_with_promtool(
    promtool: Promtool, tmp_path: Path
) -> None:
    rules = [
        {"record": f"dashboard:expr:{i}", "expr": _plain(expr)}
        for i, (_, expr) in enumerate(EXPRESSIONS)
    ]
    rule_file = tmp_path / "dashboard.rules.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))

    result = promtool("check", "rules", rule_file)

    assert 0 == result.returncode, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout


def test_promtool_rejects_a_broken_expression(promtool: Promtool, tmp_path: Path) -> None:
    # the check above would prove nothing if promtool let a typo through
    rule_file = tmp_path / "broken.rules.yml"
    rule_file.write_text(yaml.safe_dump(
        {"groups": [{"name": "g", "rules": [{"record": "a:b:c", "expr": "sum by (tenant (x)"}]}]}
    ))  # fmt: skip

    assert 0 != promtool("check", "rules", rule_file).returncode


@pytest.mark.parametrize(("title", "expr"), EXPRESSIONS, ids=[t for t, _ in EXPRESSIONS])
def test_every_expression_reads_known_metrics_or_recordings(title: str, expr: str) -> None:
    names = metric_names_in(expr)

    assert names, f"{title}: no metric found in {expr!r}"
    assert set() == names - SERIES_NAMES - RECORDS


def test_tenant_scoped_expressions_filter_by_the_tenant_variable() -> None:
    for title, expr in EXPRESSIONS:
        if "tenant" in expr and not title.startswith("variable"):
            assert 'tenant=~"$tenant"' in expr, title


def test_schema_version_and_variables() -> None:
    variables = {v["name"]: v for v in MODEL["templating"]["list"]}

    assert MODEL["schemaVersion"] >= 39
    assert "datasource" == variables["datasource"]["type"]
    assert "prometheus" == variables["datasource"]["query"]
    assert "query" == variables["tenant"]["type"]
    assert variables["tenant"]["multi"] and variables["tenant"]["includeAll"]


def test_rows_and_their_panels() -> None:
    rows: dict[str, list[str]] = {}
    current = ""
    for panel in MODEL["panels"]:
        if panel["type"] == "row":
            current = panel["title"]
            rows[current] = []
        else:
            rows[current].append(panel["title"])

    assert ["Overview", "Tenant $tenant", "Connectors", "Pipeline health"] == list(rows)
    assert {"Cases per minute", "Media-break-free share per tenant (1d)"} <= set(rows["Overview"])
    assert {"Services", "Top media-break reasons"} <= set(rows["Tenant $tenant"])
    assert {"Deliveries per minute", "Parked connectors", "Back-office confirmation p95"} <= set(
        rows["Connectors"]
    )
    assert {"Consumer lag (messages)", "Role readiness"} <= set(rows["Pipeline health"])


def test_panels_use_the_datasource_variable_and_do_not_overlap() -> None:
    taken: set[tuple[int, int]] = set()
    ids = [p["id"] for p in MODEL["panels"]]
    for panel in MODEL["panels"]:
        g = panel["gridPos"]
        cells = {
            (x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])
        }
        assert g["x"] + g["w"] <= GRID_WIDTH, panel["title"]
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells
        if panel["type"] != "row":
            assert "${datasource}" == panel["datasource"]["uid"]
            assert all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"])
            assert re.fullmatch(r"[A-Z]+", "".join(t["refId"] for t in panel["targets"]))
    assert len(ids) == len(set(ids))


def test_per_tenant_row_repeats_for_each_selected_tenant() -> None:
    row = next(p for p in MODEL["panels"] if p["title"] == "Tenant $tenant")

    assert "tenant" == row["repeat"]
