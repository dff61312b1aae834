"""A small builder for Grafana dashboard JSON models (schemaVersion 39) with Prometheus panels.

Only what the hub's dashboard needs: rows, time series, tables, stats, bar gauges, a data
source variable and query variables. Panels are laid out left to right on Grafana's 24-column
grid; a row starts a new line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 39
GRID_WIDTH = 24
DATASOURCE_VAR = "datasource"
DATASOURCE: dict[str, str] = {"type": "prometheus", "uid": f"${{{DATASOURCE_VAR}}}"}


@dataclass(frozen=True)
class Query:
    """One PromQL target of a panel; ``instant`` for tables and stats that show the latest value."""

    expr: str
    legend: str = ""
    instant: bool = False


@dataclass(frozen=True)
class Panel:
    """A panel: type (timeseries, table, stat, bargauge), title, queries, unit, width, height."""

    type: str
    title: str
    queries: tuple[Query, ...]
    description: str = ""
    unit: str = "short"
    width: int = 8
    height: int = 8
    max: float | None = None
    options: dict[str, Any] = field(default_factory=dict)
    transformations: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Row:
    """A collapsible row of panels; ``repeat`` names a variable to repeat the row for."""

    title: str
    panels: tuple[Panel, ...]
    repeat: str | None = None


def datasource_variable(label: str = "Data source") -> dict[str, Any]:
    """The variable that selects the Prometheus data source all panels use."""
    return {
        "type": "datasource",
        "name": DATASOURCE_VAR,
        "label": label,
        "query": "prometheus",
        "refresh": 1,
        "hide": 0,
        "current": {},
        "options": [],
    }


def query_variable(name: str, label: str, query: str, *, multi: bool = True) -> dict[str, Any]:
    """A variable filled from PromQL (e.g. ``label_values(metric, label)``), with "All"."""
    return {
        "type": "query",
        "name": name,
        "label": label,
        "datasource": DATASOURCE,
        "definition": query,
        "query": {"query": query, "refId": f"{name}-query", "qryType": 1},
        "refresh": 2,
        "includeAll": multi,
        "multi": multi,
        "allValue": ".*",
        "sort": 1,
        "hide": 0,
        "current": {},
        "options": [],
    }


def _target(query: Query, ref_id: str) -> dict[str, Any]:
    target: dict[str, Any] = {
        "refId": ref_id,
        "datasource": DATASOURCE,
        "expr": query.expr,
        "legendFormat": query.legend or "__auto",
        "range": not query.instant,
        "instant": query.instant,
    }
    if query.instant:
        target["format"] = "table"
    return target


def _panel_json(panel: Panel, panel_id: int, grid: dict[str, int]) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": panel.unit}
    if panel.unit == "percentunit":
        defaults["min"] = 0
        defaults["max"] = 1 if panel.max is None else panel.max
    elif panel.max is not None:
        defaults["max"] = panel.max
    return {
        "id": panel_id,
        "type": panel.type,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": grid,
        "targets": [_target(q, chr(ord("A") + i)) for i, q in enumerate(panel.queries)],
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": panel.options,
        "transformations": list(panel.transformations),
    }


def dashboard(
    *,
    uid: str,
    title: str,
    description: str,
    variables: list[dict[str, Any]],
    rows: tuple[Row, ...],
    tags: tuple[str, ...] = (),
    refresh: str = "1m",
    time_from: str = "now-24h",
) -> dict[str, Any]:
    """The dashboard JSON model, panels laid out row by row on the grid."""
    panels: list[dict[str, Any]] = []
    y = 0
    next_id = 1
    for row in rows:
        row_json: dict[str, Any] = {
            "id": next_id,
            "type": "row",
            "title": row.title,
            "collapsed": False,
            "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": y},
            "panels": [],
        }
        if row.repeat:
            row_json["repeat"] = row.repeat
        panels.append(row_json)
        next_id += 1
        y += 1
        x, line_height = 0, 0
        for panel in row.panels:
            if x + panel.width > GRID_WIDTH:
                x, y, line_height = 0, y + line_height, 0
            grid = {"h": panel.height, "w": panel.width, "x": x, "y": y}
            panels.append(_panel_json(panel, next_id, grid))
            next_id += 1
            x += panel.width
            line_height = max(line_height, panel.height)
        y += line_height
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": list(tags),
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,
        "timezone": "browser",
        "refresh": refresh,
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "weekStart": "",
        "links": [],
        "annotations": {
            "list": [
                {
                    "builtIn": 1,
                    "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                    "enable": True,
                    "hide": True,
                    "iconColor": "rgba(0, 211, 255, 1)",
                    "name": "Annotations & Alerts",
                    "type": "dashboard",
                }
            ]
        },
        "templating": {"list": variables},
        "panels": panels,
    }


def expressions(model: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel or variable title, PromQL) of every query in a dashboard model, with Grafana's
    variables still in it."""
    found: list[tuple[str, str]] = []
    for var in model["templating"]["list"]:
        if var["type"] == "query":
            # label_values(SELECTOR, label) is Grafana's; the selector inside is PromQL
            definition: str = var["definition"]
            selector = definition.removeprefix("label_values(").rsplit(",", 1)[0]
            found.append((f"variable {var['name']}", selector))
    for panel in model["panels"]:
        for target in panel.get("targets", []):
            found.append((panel["title"], target["expr"]))
    return found
