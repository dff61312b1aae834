"""``hub report`` (the KPI for people without Grafana) and ``hub status`` (for operators)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx

from hub.config import ConfigError, HubConfig, load_config
from hub.events.models import ApplicationSubmitted, CaseStatusChanged, DeliveryOutcome
from hub.events.topics import Topics
from hub.kafka.config import KafkaConnection
from hub.kafka.registry import codec_from_settings
from hub.recovery.deadletters import DeadLetters
from hub.reporting.period import Bucket, PeriodError, period_from_options
from hub.reporting.render import table, to_csv, to_json
from hub.reporting.report import build_report
from hub.reporting.services import Names, names_from_submissions
from hub.reporting.sources import (
    BrokerUnreachableError,
    broker_topics,
    group_lags,
    probe_role,
    read_events,
)
from hub.reporting.status import INTAKE_ROLE, build_status, instances_from_topics
from hub.reporting.status_render import status_json, status_table
from hub.settings import HubSettings

DEFAULT_ROLE_URLS = {"intake": "http://127.0.0.1:8080", "stages": "http://127.0.0.1:6066"}
STATUS_URLS_ENV = "HUB_STATUS_URLS"

REPORT_EPILOG = """\
columns (table and csv):
  cases     cases whose FIRST final outcome (completed, media break, quarantined)
            lies in the period; a case replayed later still counts once
  no break  of these, cases whose first outcome was completed: every delivery
            accepted by a digital back office (csv: media_break_free)
  ratio     no break / cases
  recov     cases whose first outcome was a media break or quarantine and that
            reached completed later (after a dead-letter replay); they stay
            counted as media breaks
  p50, p95  completion time, received -> first final status (nearest rank)
  top reasons  media-break reasons with their case counts: manual_route (sent to
            a clerk's mailbox), no_route (no rule, manual fallback used),
            rejected:<why> (back office refused it), gave_up:<why> (back office
            unreachable until the deadline), quarantined:<why> (not routed at all)

example:
  $ hub report --since 2026-02-01 --until 2026-02-28 --tenant bensheim
  tenant    service         name              cases  no break   ratio  recov ...
  bensheim  99050012104000  Gewerbe anmelden     51        44  86.3 %      1 ...
  ...
  $ hub report --format csv > februar.csv
  $ hub report --html bericht.html      # one page with charts, opens offline

exit codes: 0 report written, 2 bad option or broker unreachable
"""

STATUS_EPILOG = """\
connector columns:
  state         parked (waits for its back office between retries, from the
                hub_connector_parked gauge of the roles' /metrics), flowing, or
                unknown (no stage role answered)
  lag           messages in its delivery topic not yet committed by its group
  group         the consumer group that answered: HUB_APP_ID when one process runs
                all stage roles, HUB_APP_ID-connector for a connector-only process
  dead letters  its dead-letter entries not replayed yet (hub dlq list --pending)
  last delivery time (UTC) and outcome of its latest delivery attempt
role columns:
  state         ready (GET /readyz answered 200), not ready, or unreachable

example:
  $ hub status --role-url stages=http://10.0.0.5:6066
  tenant    connector  kind        state    lag  group  dead letters  last delivery (UTC)  outcome
  bensheim  dms        dms.xdomea  flowing    0  hub               0  2026-03-01 09:12:44  delivered
  ...
  role    url                    state        detail
  intake  http://127.0.0.1:8080  unreachable  connection refused

roles come from --role-url, else HUB_STATUS_URLS ("intake=URL,stages=URL"), else
intake=http://127.0.0.1:8080 and stages=http://127.0.0.1:6066.
exit codes: 0 overview written (with --check: and every role ready, nothing
parked; else 1), 2 bad option or broker unreachable
"""


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``hub report`` and ``hub status``."""
    r = sub.add_parser(
        "report",
        help="media-break-free KPI per tenant and service for a period",
        description="Media-break-free ratio, volume, reasons and completion times per tenant "
        "and service, computed from the status topic. Days are UTC days; a date-only --until "
        "includes that day.",
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("--since", help="ISO date or date-time, or a span back from now: 30d, 7d, 12h")
    r.add_argument("--until", help="as --since (default: now); the period is [since, until)")
    r.add_argument("--tenant", help="only this tenant")
    r.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help="stdout format"
    )
    r.add_argument("--html", type=Path, metavar="FILE", help="also write a page with charts")
    r.add_argument(
        "--bucket",
        choices=[b.value for b in Bucket],
        help="trend granularity (default: day up to 14 days, else week)",
    )
    r.add_argument(
        "--no-portal-names",
        action="store_true",
        help="name services from the built-in table only; do not read the submissions topic",
    )
    s = sub.add_parser(
        "status",
        help="connector instances and roles at a glance (operators)",
        description="Per connector instance: parked or flowing, consumer lag, dead letters "
        "not replayed, last delivery; per role: ready or not.",
        epilog=STATUS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument(
        "--role-url",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="a role to probe (repeatable); replaces the defaults",
    )
    s.add_argument("--format", choices=["table", "json"], default="table", help="stdout format")
    s.add_argument("--timeout", type=float, default=3.0, help="seconds per HTTP probe")
    s.add_argument("--check", action="store_true", help="exit 1 unless all is well")


def _fail(command: str, message: str) -> int:
    print(f"hub {command}: {message}", file=sys.stderr)
    return 2


def _config(settings: HubSettings) -> HubConfig | None:
    """The tenant configuration when it loads; the tools work from topics alone otherwise."""
    try:
        return load_config(Path(settings.config_dir), require_secrets=False, check_connectors=False)
    except ConfigError:
        return None


def run_report(args: argparse.Namespace, settings: HubSettings | None = None) -> int:
    """Execute ``hub report``; 0 on success, 2 for a bad option or an unreachable broker."""
    s = settings or HubSettings()
    try:
        period = period_from_options(args.since, args.until, now=datetime.now(UTC))
    except PeriodError as exc:
        return _fail("report", str(exc))
    config = _config(s)
    if config is not None and args.tenant and args.tenant not in config.tenants:
        known = ", ".join(sorted(config.tenants))
        return _fail("report", f"--tenant {args.tenant!r}: unknown tenant (known: {known})")
    conn, topics = KafkaConnection.from_settings(s), Topics(s.topic_prefix)
    codec = codec_from_settings(s)
    try:
        broker_topics(conn)
        events = read_events(conn, topics.status, codec, CaseStatusChanged)
        portal_names = (
            {}
            if args.no_portal_names
            else names_from_submissions(
                read_events(conn, topics.submitted, codec, ApplicationSubmitted)
            )
        )
    except BrokerUnreachableError as exc:
        return _fail("report", str(exc))
    except TimeoutError as exc:
        return _fail("report", f"reading from Kafka at {conn.bootstrap} timed out: {exc}")
    tenant_names = {t.id: t.name for t in config.tenants.values()} if config else {}
    names = Names(portal_names, tenant_names)
    bucket = Bucket(args.bucket) if args.bucket else None
    report = build_report(events, period, tenant=args.tenant, bucket=bucket)
    render = {"table": table, "csv": to_csv, "json": to_json}[args.format]
    sys.stdout.write(render(report, names))
    if args.html:
        # altair and vl-convert take a second to import: only when a page is asked for
        from hub.reporting.page import to_html  # noqa: PLC0415

        try:
            args.html.write_text(to_html(report, names), encoding="utf-8")
        except OSError as exc:
            return _fail("report", f"--html {args.html}: cannot write: {exc.strerror}")
        print(f"wrote {args.html} ({report.total.volume} cases)", file=sys.stderr)
    return 0


def role_urls(given: list[str], env: str | None) -> dict[str, str]:
    """NAME -> URL from ``--role-url`` options, else ``HUB_STATUS_URLS``, else the defaults."""
    if given:
        items, source = given, "--role-url"
    elif env and env.strip():
        items, source = [i for i in env.split(",") if i.strip()], STATUS_URLS_ENV
    else:
        return dict(DEFAULT_ROLE_URLS)
    urls: dict[str, str] = {}
    for item in items:
        name, sep, url = item.strip().partition("=")
        if not sep or not name or not url.startswith(("http://", "https://")):
            raise ValueError(f"{source}: {item!r} is not NAME=http://HOST:PORT")
        urls[name] = url
    return urls


def run_status(args: argparse.Namespace, settings: HubSettings | None = None) -> int:
    """Execute ``hub status``; 0 on success (see ``--check``), 2 for a bad option or broker."""
    s = settings or HubSettings()
    try:
        urls = role_urls(args.role_url, os.environ.get(STATUS_URLS_ENV))
    except ValueError as exc:
        return _fail("status", str(exc))
    conn, topics = KafkaConnection.from_settings(s), Topics(s.topic_prefix)
    codec = codec_from_settings(s)
    config = _config(s)
    kinds = (
        {(t.id, cid): c.kind for t in config.tenants.values() for cid, c in t.connectors.items()}
        if config
        else {}
    )
    groups = [s.app_id, f"{s.app_id}-connector"]
    try:
        existing = broker_topics(conn)
        instances = instances_from_topics(existing, s.topic_prefix, kinds)
        lags = {
            i.topic: group_lags(conn, i.topic, existing[i.topic], groups)
            for i in instances
            if i.topic in existing
        }
        entries = DeadLetters(conn, topics, codec).entries()
        outcomes = read_events(conn, topics.outcomes, codec, DeliveryOutcome)
    except BrokerUnreachableError as exc:
        return _fail("status", str(exc))
    except TimeoutError as exc:
        return _fail("status", f"reading from Kafka at {conn.bootstrap} timed out: {exc}")
    with httpx.Client(timeout=args.timeout) as client:
        probes = [
            probe_role(client, name, url, with_metrics=name != INTAKE_ROLE)
            for name, url in urls.items()
        ]
    status = build_status(instances, lags, entries, outcomes, probes)
    sys.stdout.write(status_json(status) if args.format == "json" else status_table(status))
    return 1 if args.check and not status.healthy else 0
