"""The recording rules and alerts: names, metrics, runbooks, and promtool's own verdict."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.monitoring.catalog import SERIES_NAMES, metric_names_in
from hub.monitoring.rules import (
    AlertRule,
    RecordingRule,
    Severity,
    alert_rules,
    recording_rules,
    rule_groups,
)
from hub.runtime.local import PROJECT_ROOT

from .conftest import Promtool

RULES_FILE = PROJECT_ROOT / "deploy" / "prometheus" / "rules.yml"
TEST_FILES = sorted((PROJECT_ROOT / "tests" / "monitoring").glob("*.test.yml"))
DOCS = PROJECT_ROOT / "docs" / "monitoring.md"
RECORDS = frozenset(r.record for r in recording_rules())


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


@cache
def _tests() -> list[dict[str, Any]]:
    return [t for f in TEST_FILES for t in yaml.safe_load(f.read_text())["tests"]]


def test_promtool_accepts_the_generated_rule_file(promtool: Promtool) -> None:
    result = promtool("check", "rules", RULES_FILE)

    assert 0 == result.returncode, result.stdout + result.stderr
    assert f"SUCCESS: {len(RECORDS) + len(alert_rules())} rules found" in result.stdout


@pytest.mark.parametrize("test_file", TEST_FILES, ids=lambda p: p.name)
def test_promtool_unit_tests_pass(promtool: Promtool, test_file: Path) -> None:
    result = promtool("test", "rules", test_file)

    assert 0 == result.returncode, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_recording_rule_has_an_expected_sample_in_a_promtool_test() -> None:
    expected = {
        sample["labels"].split("{", 1)[0]
        for t in _tests()
        for case in t.get("promql_expr_test", [])
        for sample in case["exp_samples"]
    }

    assert set() == RECORDS - expected


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r.alert)
def test_every_alert_is_tested_firing_with_labels_and_annotations_and_quiet(
    rule: AlertRule,
) -> None:
    cases = [
        c for t in _tests() for c in t.get("alert_rule_test", []) if c["alertname"] == rule.alert
    ]
    firing = [a for c in cases for a in c["exp_alerts"]]

    assert any(c["exp_alerts"] == [] for c in cases), "no case where it must not fire"
    assert firing, "no case where it fires"
    for alert in firing:
        assert str(rule.severity) == alert["exp_labels"]["severity"]
        assert {"summary", "description", "runbook_url"} == set(alert["exp_annotations"])
        assert alert["exp_annotations"]["runbook_url"].endswith(f"#{rule.runbook}")


def test_every_promtool_test_file_evaluates_recordings_before_alerts() -> None:
    # without group_eval_order promtool evaluates groups in random order, and alerts that read
    # recorded series would pass or fail by chance
    names = [g.name for g in rule_groups()]
    for test_file in TEST_FILES:
        assert names == yaml.safe_load(test_file.read_text())["group_eval_order"], test_file.name


@pytest.mark.parametrize("rule", recording_rules(), ids=lambda r: r.record)
def test_recording_rule_name_says_its_level_and_it_reads_only_known_metrics(
    rule: RecordingRule,
) -> None:
    level, metric, operation = rule.record.split(":")
    grouped = set(re.findall(r"by \(([^)]*)\)", rule.expr))

    assert metric.startswith("hub_")
    assert re.fullmatch(r"(ratio|increase|p\d\d)_\d+[hd]", operation)
    labels = ", ".join(level.split("_"))
    assert {f"{labels}, le" if operation.startswith("p") else labels} == grouped
    assert set() == metric_names_in(rule.expr) - SERIES_NAMES


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r.alert)
def test_alert_reads_only_known_metrics_and_recordings_and_has_a_runbook(rule: AlertRule) -> None:
    docs = DOCS.read_text()

    assert set() == metric_names_in(rule.expr) - SERIES_NAMES - RECORDS
    assert rule.severity in set(Severity)
    assert rule.summary and rule.description
    assert rule.runbook in _anchors(docs)
    section = docs.split(f"`{rule.alert}`", 1)
    assert len(section) == 2, f"{rule.alert} is not named in docs/monitoring.md"


def test_names_are_unique_and_alerts_are_camel_case_with_the_hub_prefix() -> None:
    alerts = [r.alert for r in alert_rules()]

    assert len(RECORDS) == len(recording_rules())
    assert len(set(alerts)) == len(alerts)
    assert all(re.fullmatch(r"Hub[A-Z][A-Za-z]+", a) for a in alerts)


def test_every_recording_rule_is_documented() -> None:
    docs = DOCS.read_text()

    assert [] == [r for r in RECORDS if f"`{r}`" not in docs]
