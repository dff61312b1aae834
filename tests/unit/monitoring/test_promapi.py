"""scripts/prometheus.sh and hub.monitoring.promapi against a real Prometheus on loopback that
scrapes itself and loads the generated rules."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from hub.monitoring.promapi import PromApi, PrometheusError
from hub.monitoring.rules import alert_rules, recording_rules, rule_groups
from hub.runtime.local import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "prometheus.sh"
RULES_FILE = PROJECT_ROOT / "deploy" / "prometheus" / "rules.yml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _script(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.fixture(scope="module")
def prometheus(
    prometheus_bin: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[PromApi, dict[str, str]]]:
    """A server scraping itself every second, with the hub's rules; stopped after the module."""
    home = tmp_path_factory.mktemp("prometheus")
    port = _free_port()
    config = home / "prometheus.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(RULES_FILE)],
                "scrape_configs": [
                    {
                        "job_name": "prometheus",
                        "static_configs": [{"targets": [f"127.0.0.1:{port}"]}],
                    }
                ],
            }
        )
    )
    env = {"PROMETHEUS_HOME_DIR": str(home / "run")}
    started = _script(env, "up", "--config", str(config), "--port", str(port))
    assert 0 == started.returncode, started.stderr
    api = PromApi(f"http://127.0.0.1:{port}")
    try:
        yield api, {**env, "PORT": str(port), "CONFIG": str(config)}
    finally:
        api.close()
        _script(env, "down")


def test_wait_for_series_returns_the_first_scrape(
    prometheus: tuple[PromApi, dict[str, str]],
) -> None:
    api, _ = prometheus

    samples = api.wait_for_series('up{job="prometheus"} == 1', timeout=30)

    assert 1 == len(samples)
    assert 1.0 == samples[0].value
    assert "prometheus" == samples[0].labels["job"]
    assert api.targets()[0]["health"] == "up"


def test_the_generated_rules_are_loaded_and_healthy(
    prometheus: tuple[PromApi, dict[str, str]],
) -> None:
    api, _ = prometheus

    rules = api.rules()

    assert {g.name for g in rule_groups()} == {r.group for r in rules}
    assert {r.record for r in recording_rules()} == {r.name for r in api.rules(type="record")}
    assert {a.alert for a in alert_rules()} == {r.name for r in api.rules(type="alert")}
    assert [] == [r.name for r in rules if r.health == "err"]


def test_alerts_lists_none_for_a_server_without_hub_targets(
    prometheus: tuple[PromApi, dict[str, str]],
) -> None:
    api, _ = prometheus

    assert [] == api.alerts()


def test_query_errors_and_waiting_in_vain_are_clear(
    prometheus: tuple[PromApi, dict[str, str]],
) -> None:
    api, _ = prometheus

    with pytest.raises(PrometheusError, match="bad_data"):
        api.query("sum by (")
    with pytest.raises(PrometheusError, match="no series for 'hub_build_info' after 1s"):
        api.wait_for_series("hub_build_info", timeout=1, interval=0.2)
    assert [2.0] == [s.value for s in api.query("1 + 1")]


def test_up_again_with_the_same_config_is_a_no_op_and_status_reports_it(
    prometheus: tuple[PromApi, dict[str, str]],
) -> None:
    api, env = prometheus
    run = {"PROMETHEUS_HOME_DIR": env["PROMETHEUS_HOME_DIR"]}

    again = _script(run, "up", "--config", env["CONFIG"], "--port", env["PORT"])

    assert 0 == again.returncode, again.stderr
    assert "already running" in again.stderr
    assert 0 == _script(run, "status").returncode
    assert api.ready()


def test_up_refuses_an_invalid_config(prometheus_bin: str, tmp_path: Path) -> None:
    config = tmp_path / "bad.yml"
    config.write_text("scrape_configs: [{job_name: x, static_configs: [{targets: 5}]}]\n")

    result = _script(
        {"PROMETHEUS_HOME_DIR": str(tmp_path / "run")},
        "up", "--config", str(config), "--port", str(_free_port()),
    )  # fmt: skip

    assert 0 != result.returncode
    assert "invalid config" in result.stderr


def test_down_when_nothing_runs_is_fine(tmp_path: Path) -> None:
    result = _script({"PROMETHEUS_HOME_DIR": str(tmp_path / "none")}, "down")

    assert 0 == result.returncode
    assert "not running" in result.stderr
