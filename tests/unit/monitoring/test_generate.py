"""The generated files are committed as the generator writes them, and both rule files agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from hub.monitoring.generate import (
    DASHBOARD_FILE,
    PROMETHEUS_RULE_FILE,
    RULES_FILE,
    artefacts,
    main,
)
from hub.runtime.local import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


@pytest.mark.parametrize("rel", [RULES_FILE, PROMETHEUS_RULE_FILE, DASHBOARD_FILE], ids=str)
def test_committed_file_is_what_the_generator_writes_now(rel: Path) -> None:
    assert artefacts()[rel] == (DEPLOY / rel).read_text(encoding="utf-8"), (
        "run: python -m hub.monitoring.generate --out deploy/"
    )


def test_prometheus_rule_carries_the_same_groups_as_the_plain_rule_file() -> None:
    plain = yaml.safe_load((DEPLOY / RULES_FILE).read_text())
    crd = yaml.safe_load((DEPLOY / PROMETHEUS_RULE_FILE).read_text())

    assert "monitoring.coreos.com/v1" == crd["apiVersion"]
    assert "PrometheusRule" == crd["kind"]
    assert "ikz-hub" == crd["metadata"]["name"]
    assert plain["groups"] == crd["spec"]["groups"]


def test_check_passes_on_the_committed_files_and_fails_on_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 0 == main(["--out", str(DEPLOY), "--check"])

    assert 0 == main(["--out", str(tmp_path)])
    (tmp_path / RULES_FILE).write_text("groups: []\n")
    assert 1 == main(["--out", str(tmp_path), "--check"])
    assert str(tmp_path / RULES_FILE) in capsys.readouterr().err


def test_generated_files_are_written_under_out(tmp_path: Path) -> None:
    assert 0 == main(["--out", str(tmp_path), "--runbook-base-url", "https://docs.example/m.md"])

    rules = (tmp_path / RULES_FILE).read_text()
    assert "runbook_url: https://docs.example/m.md#runbook-dead-letters-growing" in rules
    assert json.loads((tmp_path / DASHBOARD_FILE).read_text())["uid"] == "ikz-hub"
