"""The ``hub`` command as operators script it: JSON output, one-line errors, exit codes, warnings."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from structlog.testing import capture_logs

from hub.cli import main
from hub.events.models import Envelope, Quarantined
from hub.recovery import cli as dlq_cli
from hub.recovery.deadletters import Entry
from hub.runtime.local import PROJECT_ROOT, free_port
from hub.runtime.worker import warn_unknown_variables
from hub.settings import (
    OTHER_VARIABLES,
    HubSettings,
    setting_variables,
    unknown_variables,
    variables_named_in,
)
from tests.conftest import CONFIG_DIR, EXAMPLES


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def closed_port() -> int:
    return free_port()


def test_dlq_with_an_unreachable_broker_fails_in_one_line_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP", f"127.0.0.1:{closed_port()}")
    code, out, err = run(capsys, "dlq", "--timeout", "1", "list", "--format", "json")
    assert 1 == code
    assert "" == out
    [line] = [x for x in err.strip().splitlines() if not x.startswith("hub: warning:")]
    assert line.startswith("hub dlq: broker 127.0.0.1:") and "unreachable" in line
    assert "Traceback" not in err


def test_submit_to_an_intake_that_is_not_running_fails_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    example = str(EXAMPLES / "gewerbe-anmelden-bensheim.json")
    code, _out, err = run(capsys, "submit", example, example, "--url", url, "--secret", "s")
    assert 1 == code
    [line] = err.strip().splitlines()  # stops at the first file: the others would fail alike
    assert f"intake at {url} unreachable" in line
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("variable", "bad"),
    [("HUB_PARTITIONS", "abc"), ("HUB_LOG_FORMAT", "xml"), ("HUB_CREATE_TOPICS", "maybe")],
)
def test_a_setting_with_a_bad_value_is_one_line_naming_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, variable: str, bad: str
) -> None:
    monkeypatch.setenv(variable, bad)
    code, out, err = run(capsys, "dlq", "list")
    assert 2 == code
    [line] = err.strip().splitlines()  # settings are read before anything else
    assert line.startswith(f"hub: invalid setting {variable}: ")
    assert "Traceback" not in err and "" == out


def test_a_rule_across_settings_is_reported_with_the_variables_it_names(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_STALL_SECONDS", "10")
    monkeypatch.setenv("HUB_RETRY_MAX_SECONDS", "60")
    code, _out, err = run(capsys, "dlq", "list")
    assert 2 == code
    assert "HUB_STALL_SECONDS" in err and "HUB_RETRY_MAX_SECONDS" in err


def test_an_unknown_hub_variable_is_a_warning_naming_it_and_the_likely_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, portal_env: Any
) -> None:
    monkeypatch.setenv("HUB_KAFKA_BOOTSRAP", "broker:9092")
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP", f"127.0.0.1:{closed_port()}")
    code, _out, err = run(capsys, "dlq", "--timeout", "1", "list")
    assert 1 == code
    lines = err.strip().splitlines()
    assert (
        "hub: warning: HUB_KAFKA_BOOTSRAP is not a hub setting and is ignored "
        "(did you mean HUB_KAFKA_BOOTSTRAP?)"
    ) in lines
    assert "HUB_PORTAL_CIVENTO_HESSEN_SECRET" not in err  # referenced by portals.yaml
    assert "unreachable" in lines[-1]


def test_roles_log_unknown_variables_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_PARTITONS", "8")
    with capture_logs() as logs:
        warn_unknown_variables(HubSettings(config_dir=CONFIG_DIR))
    assert {
        "event": "settings.unknown_variable",
        "log_level": "warning",
        "variable": "HUB_PARTITONS",
        "did_you_mean": "HUB_PARTITIONS",
    } in logs


def test_variables_the_configuration_references_and_nested_settings_are_known() -> None:
    named = variables_named_in(CONFIG_DIR)
    assert {"HUB_PORTAL_CIVENTO_HESSEN_SECRET", "HUB_VAR_DIR"} <= named
    environ = {
        "HUB_PORTAL_CIVENTO_HESSEN_SECRET": "s",  # a secret reference in portals.yaml
        "HUB_VAR_DIR": "/tmp/var",
        "hub_partitions": "3",  # pydantic-settings reads names case-insensitively
        "HUB_APP_ID__X": "nested",
        "HUB_CONECTORS": "a/b",
        "PATH": "/usr/bin",
    }
    assert ["HUB_CONECTORS"] == [u.name for u in unknown_variables(environ, also_known=named)]


def test_every_hub_variable_the_code_reads_is_a_setting_or_listed_as_known() -> None:
    """A module that starts reading a new HUB_ variable must list it in OTHER_VARIABLES."""
    literal = re.compile(r"[\"'](HUB_[A-Z0-9_]+)[\"']")
    constant = re.compile(r"^(HUB_[A-Z0-9_]+)\s*=", re.MULTILINE)  # a Python name, not a variable
    read, names = set(), set()
    for path in (PROJECT_ROOT / "hub").rglob("*.py"):
        if "k8s" in path.parts:  # writes variables into manifests, reads none
            continue
        text = path.read_text()
        read.update(n for n in literal.findall(text) if not n.endswith("_"))
        names.update(constant.findall(text))
    read -= names
    assert set() == read - setting_variables() - OTHER_VARIABLES
    assert set() == OTHER_VARIABLES - read - variables_named_in(CONFIG_DIR)


def entry(topic: str = "hub.deadletter", replayed: int = 0) -> Entry:
    at = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    record = Quarantined(
        envelope=Envelope(case_id="case-1", tenant="bensheim", correlation_id="c-1"),
        stage="connector",
        reason="http_422",
        detail="Pflichtangaben fehlen",
        connector="gewerbe",
        attempts=1,
        first_error_at=at,
        last_error_at=at,
        source_topic="hub.deliveries.bensheim.gewerbe",
        original_key=b"case-1",
        original_value=b"\x00",
    )
    return Entry(topic, record, replayed)


def test_dlq_list_json_is_one_array_of_entries_without_error_details(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    class FakeDeadLetters:
        def __init__(self, *_args: Any) -> None:
            pass

        def entries(self, flt: Any) -> list[Entry]:
            seen["filter"] = flt
            return [entry(), entry("hub.quarantine", replayed=2)]

    monkeypatch.setattr(dlq_cli, "_reachable", lambda *_a: None)
    monkeypatch.setattr(dlq_cli, "DeadLetters", FakeDeadLetters)
    code, out, _err = run(capsys, "dlq", "list", "--format", "json", "--pending", "--tenant", "x")
    assert 0 == code
    doc = json.loads(out)
    assert ["deadletter", "quarantine"] == [e["topic"] for e in doc]
    assert {
        "id": doc[0]["id"],
        "topic": "deadletter",
        "caseId": "case-1",
        "tenant": "bensheim",
        "stage": "connector",
        "connector": "gewerbe",
        "reason": "http_422",
        "attempts": 1,
        "firstErrorAt": "2025-03-01T12:00:00+00:00",
        "lastErrorAt": "2025-03-01T12:00:00+00:00",
        "sourceTopic": "hub.deliveries.bensheim.gewerbe",
        "replayed": 0,
    } == doc[0]
    assert "Pflichtangaben" not in out  # the back office's answer may quote the case
    assert ("x", False) == (seen["filter"].tenant, seen["filter"].include_replayed)


def test_dlq_list_table_is_unchanged_by_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dlq_cli, "_reachable", lambda *_a: None)
    monkeypatch.setattr(
        dlq_cli,
        "DeadLetters",
        type("D", (), {"__init__": lambda *a: None, "entries": lambda *a: [entry()]}),
    )
    code, out, _err = run(capsys, "dlq", "list")
    assert 0 == code
    assert out.splitlines()[0].split()[:2] == ["id", "last"] and out.endswith("1 entry\n")


def test_help_of_dlq_list_names_the_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["dlq", "list", "--help"])
    assert "--format {table,json}" in capsys.readouterr().out
