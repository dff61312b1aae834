"""A small client of Prometheus' HTTP API for end-to-end tests: query, wait for data, read rules
and alerts.

Readiness of a fresh server says nothing about data: the first scrape comes a scrape interval
(plus start-up) later, so tests wait for the series they need (:meth:`PromApi.wait_for_series`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx

T = TypeVar("T")


class PrometheusError(RuntimeError):
    """Prometheus answered with an error, or what was waited for did not come in time."""


@dataclass(frozen=True)
class Sample:
    """One instant-vector sample: its labels (``__name__`` included when kept) and value."""

    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Alert:
    """An active alert as ``/api/v1/alerts`` lists it; state is ``pending`` or ``firing``."""

    name: str
    state: str
    labels: dict[str, str]
    annotations: dict[str, str]
    value: float


@dataclass(frozen=True)
class Rule:
    """A loaded rule as ``/api/v1/rules`` lists it; ``health`` is ``ok``, ``err`` or ``unknown``."""

    group: str
    name: str
    type: Literal["recording", "alerting"]
    query: str
    health: str
    last_error: str


class PromApi:
    """Prometheus at ``base_url`` (e.g. ``http://127.0.0.1:9090``)."""

    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> PromApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        try:
            response = self._client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise PrometheusError(f"{self.base_url}{path}: {exc}") from exc
        try:
            body = response.json()
        except ValueError as exc:
            raise PrometheusError(
                f"{self.base_url}{path}: HTTP {response.status_code}, not JSON"
            ) from exc
        if body.get("status") != "success":
            raise PrometheusError(
                f"{self.base_url}{path}: {body.get('errorType', 'error')}: {body.get('error')}"
            )
        return body["data"]

    def ready(self) -> bool:
        """Whether the server answers ``/-/ready`` with 200."""
        try:
            return self._client.get("/-/ready").status_code == 200
        except httpx.HTTPError:
            return False

    def query(self, expr: str, *, at: float | None = None) -> list[Sample]:
        """Evaluate an instant query (now, or at unix time ``at``); a scalar is one sample."""
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        data = self._get("/api/v1/query", params)
        if data["resultType"] == "vector":
            return [Sample(r["metric"], float(r["value"][1])) for r in data["result"]]
        if data["resultType"] == "scalar":
            return [Sample({}, float(data["result"][1]))]
        raise PrometheusError(f"query {expr!r} gave a {data['resultType']}, not an instant vector")

    def wait_for_series(
        self, expr: str, *, timeout: float = 30.0, interval: float = 0.5
    ) -> list[Sample]:
        """Query until the result is not empty; the samples, or PrometheusError after timeout."""
        return _poll(lambda: self.query(expr) or None, timeout, interval, f"no series for {expr!r}")

    def alerts(self, *, state: str | None = None) -> list[Alert]:
        """Active alerts (pending and firing), optionally only those in ``state``."""
        found = [
            Alert(
                a["labels"]["alertname"],
                a["state"],
                a["labels"],
                a.get("annotations", {}),
                float(a["value"]),
            )
            for a in self._get("/api/v1/alerts")["alerts"]
        ]
        return [a for a in found if state is None or a.state == state]

    def wait_for_alert(
        self, name: str, *, state: str = "firing", timeout: float = 60.0, interval: float = 0.5
    ) -> list[Alert]:
        """Poll until alert ``name`` is in ``state``; its instances."""
        return _poll(
            lambda: [a for a in self.alerts(state=state) if a.name == name] or None,
            timeout,
            interval,
            f"alert {name} not {state}",
        )

    def rules(self, *, type: Literal["alert", "record"] | None = None) -> list[Rule]:  # noqa: A002
        """Every loaded rule, group by group (``type`` filters like the API's ``type=``)."""
        params: dict[str, str] | None = {"type": type} if type else None
        return [
            Rule(
                group["name"],
                rule["name"],
                rule["type"],
                rule["query"],
                rule.get("health", "unknown"),
                rule.get("lastError", ""),
            )
            for group in self._get("/api/v1/rules", params)["groups"]
            for rule in group["rules"]
        ]

    def targets(self) -> list[dict[str, Any]]:
        """The active scrape targets as the API describes them (labels, health, lastError)."""
        active: list[dict[str, Any]] = self._get("/api/v1/targets")["activeTargets"]
        return active


def _poll(probe: Callable[[], T | None], timeout: float, interval: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    last_error: PrometheusError | None = None
    while True:
        try:
            result = probe()
        except PrometheusError as exc:  # not up yet, or restarting: keep trying until the deadline
            last_error, result = exc, None
        if result is not None:
            return result
        if time.monotonic() >= deadline:
            suffix = f" (last error: {last_error})" if last_error else ""
            raise PrometheusError(f"{what} after {timeout:.0f}s{suffix}")
        time.sleep(interval)
