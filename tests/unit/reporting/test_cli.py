"""hub.reporting.cli: behaviour operators can script against (exit codes, one-line errors)."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from hub.events.models import ApplicationSubmitted, CaseStatusChanged, DeliveryOutcome
from hub.kafka.config import KafkaConnection
from hub.metrics import HubMetrics
from hub.reporting import cli
from hub.reporting.sources import BrokerUnreachableError, broker_topics
from hub.reporting.status import GroupLag
from hub.runtime.local import free_port
from hub.settings import HubSettings

from .synthetic import generate


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hub")
    cli.add_parsers(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def unreachable(connection: KafkaConnection, timeout: float = 5.0) -> dict[str, int]:
    raise BrokerUnreachableError(connection.bootstrap)


@pytest.fixture
def settings() -> HubSettings:
    return HubSettings(kafka_bootstrap="127.0.0.1:1")


def test_unreachable_broker_is_one_line_naming_address_and_setting_exit_2() -> None:
    with pytest.raises(BrokerUnreachableError) as info:
        broker_topics(KafkaConnection(f"127.0.0.1:{free_port()}"), timeout=1.0)

    assert "HUB_KAFKA_BOOTSTRAP" in str(info.value)


@pytest.mark.parametrize("command", ["report", "status"])
def test_commands_fail_with_exit_2_and_no_traceback_when_the_broker_is_down(
    command: str,
    settings: HubSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli, "broker_topics", unreachable)
    run = cli.run_report if command == "report" else cli.run_status

    assert 2 == run(parse(command), settings)

    err = capsys.readouterr().err
    assert [
        f"hub {command}: cannot reach Kafka at 127.0.0.1:1 (set HUB_KAFKA_BOOTSTRAP to the broker's address)"
    ] == err.splitlines()


def test_bad_since_names_the_option(
    settings: HubSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 2 == cli.run_report(parse("report", "--since", "last-tuesday"), settings)

    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("hub report: --since: 'last-tuesday' is not a date")


def _fake_kafka(monkeypatch: pytest.MonkeyPatch, events: dict[type, list[Any]]) -> None:
    monkeypatch.setattr(
        cli, "broker_topics", lambda _c, timeout=5.0: {"hub.deliveries.bensheim.dms": 4}
    )
    monkeypatch.setattr(cli, "read_events", lambda _c, _t, _codec, kind: events.get(kind, []))


def test_report_writes_the_table_and_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    shifted = [  # the synthetic data set, moved so that it ends now
        e.model_copy(
            update={
                "envelope": e.envelope.model_copy(
                    update={
                        "occurred_at": e.envelope.occurred_at
                        - datetime(2026, 3, 2, tzinfo=UTC)
                        + now
                    }
                )
            }
        )
        for e in generate()
    ]
    _fake_kafka(monkeypatch, {CaseStatusChanged: shifted, ApplicationSubmitted: []})
    page = tmp_path / "bericht.html"

    code = cli.run_report(parse("report", "--since", "60d", "--html", str(page)), HubSettings())

    out, err = capsys.readouterr()
    assert 0 == code
    assert out.splitlines()[-1].endswith("of 420 cases without media break")
    assert "Stadt Bensheim" in page.read_text()  # tenant names from config/tenants
    assert err.startswith(f"wrote {page} (420 cases)")


def test_report_rejects_a_tenant_the_configuration_does_not_know(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert 2 == cli.run_report(parse("report", "--tenant", "atlantis"), HubSettings())

    assert "--tenant 'atlantis': unknown tenant" in capsys.readouterr().err


class _StageRole(BaseHTTPRequestHandler):
    metrics = b""

    def do_GET(self) -> None:
        body = b'{"assigned_partitions": 4}' if self.path == "/readyz" else self.metrics
        self.send_response(200 if self.path in ("/readyz", "/metrics") else 404)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def stage_role() -> Iterator[str]:
    m = HubMetrics(CollectorRegistry())
    m.connector_parked.labels("bensheim", "dms").set(1)
    _StageRole.metrics = generate_latest(m.registry)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StageRole)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_status_probes_roles_over_http_and_shows_an_intake_that_is_not_running(
    stage_role: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake_kafka(monkeypatch, {DeliveryOutcome: []})
    monkeypatch.setattr(cli, "group_lags", lambda _c, _t, _n, groups: [GroupLag("hub", 3, True)])
    monkeypatch.setattr(cli.DeadLetters, "entries", lambda _self: [])
    args = parse(
        "status",
        "--role-url",
        f"intake=http://127.0.0.1:{free_port()}",
        "--role-url",
        f"stages={stage_role}",
        "--check",
        "--timeout",
        "2",
    )

    code = cli.run_status(args, HubSettings())

    out = capsys.readouterr().out
    assert 1 == code  # --check: a role is unreachable and a connector is parked
    dms = next(line for line in out.splitlines() if line.startswith("bensheim") and " dms " in line)
    assert ["bensheim", "dms", "dms.xdomea", "parked", "3", "hub", "0"] == dms.split()[:7]
    intake = next(line for line in out.splitlines() if line.startswith("intake"))
    assert "unreachable" in intake
    assert "connection refused" in intake


def test_role_urls_come_from_options_then_environment_then_defaults() -> None:
    assert {"a": "http://h:1"} == cli.role_urls(["a=http://h:1"], "b=http://h:2")
    assert {"b": "http://h:2", "c": "http://h:3"} == cli.role_urls([], "b=http://h:2, c=http://h:3")
    assert cli.DEFAULT_ROLE_URLS == cli.role_urls([], None)
    with pytest.raises(ValueError, match="HUB_STATUS_URLS: 'intake' is not NAME=http"):
        cli.role_urls([], "intake")


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (
            "report",
            ["cases", "no break", "recov", "p50, p95", "manual_route", "example:", "exit codes"],
        ),
        (
            "status",
            [
                "state",
                "lag",
                "group",
                "dead letters",
                "HUB_APP_ID-connector",
                "example:",
                "exit codes",
            ],
        ),
    ],
)
def test_help_explains_every_column_with_an_example(
    command: str, words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        parse(command, "--help")

    text = capsys.readouterr().out
    assert [w for w in words if w not in text] == []
