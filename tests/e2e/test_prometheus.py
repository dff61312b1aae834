"""A real Prometheus scrapes a running hub with the shipped rules while cases flow.

The hub (``hub run``) delivers Bensheim's Gewerbe cases to a stand-in Fachverfahren that
rejects them (dead letters), routes one case of a service Kreis Bergstraße names nowhere
into quarantine (the test configuration drops its ``*`` rule), and sends status callbacks
of one portal to a sink. Prometheus (Debian's package, ``scripts/prometheus.sh``) scrapes
the hub's web port every second and evaluates ``deploy/prometheus/rules.yml`` with every
group's interval set to 1 s: the rules are the shipped ones, only evaluated more often,
so recorded series and alerts appear within seconds instead of minutes.

Also here, against the broker alone: the lag probe's age of the oldest unprocessed
message, and the dead-letter depth after replays.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from hub.events.codec import SingleObjectCodec
from hub.events.models import Envelope, Replayed, quarantine_record
from hub.events.topics import Topics
from hub.kafka.admin import ensure_topics
from hub.kafka.config import KafkaConnection
from hub.kafka.lag import BrokerLag
from hub.kafka.topics import TopicSpec
from hub.monitoring.promapi import PromApi
from hub.runtime.local import PROJECT_ROOT, LocalHub, free_port
from hub.runtime.observe import BacklogDepth
from tests.e2e.conftest import HubDriver, StandIn, config_with_rest_procedure

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

RULES = PROJECT_ROOT / "deploy" / "prometheus" / "rules.yml"
DASHBOARD = PROJECT_ROOT / "deploy" / "grafana" / "hub-dashboard.json"
SCRIPT = PROJECT_ROOT / "scripts" / "prometheus.sh"
INVOICES = PROJECT_ROOT / "examples" / "invoices"
GEWERBE = "99050012104000"
UNNAMED = "99999999999999"  # a 14-digit key no rule names
FAST = {
    "HUB_RETRY_BASE_SECONDS": "0.2",
    "HUB_RETRY_MAX_SECONDS": "1",
    "HUB_METRICS_INTERVAL_SECONDS": "1",
}
BUDGET_SECONDS = 120

# Dashboard queries that cannot have data in this run, and why (every other one must):
NO_DATA_HERE = {
    # import confirmations come from a DMS that confirms imports; the directory inboxes here
    # do not, so neither histogram nor counter sees a sample
    "hub_backoffice_confirmation_seconds_bucket": "no DMS confirms imports in this run",
    "hub_filed_confirmed_total": "no DMS confirms imports in this run",
    # counted by the XRechnung validation at intake; the ratio is absent while no invoice
    # was validated (its denominator is 0), and rule ids appear only with a violation
    "hub_invoice_first_pass_valid": "no invoice validation counted in this process",
    "hub_invoice_rule_violations_total": "no invoice with a rule violation is sent",
}


def tighten_rules(source: Path, target: Path, interval: str = "1s") -> Path:
    """The shipped rule file with every group evaluated every ``interval`` (expressions,
    ``for`` durations and ranges unchanged)."""
    doc = yaml.safe_load(source.read_text())
    for group in doc["groups"]:
        group["interval"] = interval
    target.write_text(yaml.safe_dump(doc, sort_keys=False))
    return target


def prometheus_config(path: Path, target: str, rules: Path) -> Path:
    """Scrape ``target`` every second, evaluate ``rules``."""
    doc = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules)],
        "scrape_configs": [{"job_name": "hub", "static_configs": [{"targets": [target]}]}],
    }
    path.write_text(yaml.safe_dump(doc))
    return path


class Prometheus:
    """``scripts/prometheus.sh`` with its own home directory and port."""

    def __init__(self, home: Path) -> None:
        self.port = free_port()
        self.env = {**os.environ, "PROMETHEUS_HOME_DIR": str(home)}

    def up(self, config: Path) -> PromApi:
        done = subprocess.run(
            ["bash", str(SCRIPT), "up", "--config", str(config), "--port", str(self.port)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(
                f"prometheus did not start (scripts/prometheus.sh install?):\n{done.stderr}"
            )
        return PromApi(f"http://127.0.0.1:{self.port}")

    def down(self) -> None:
        subprocess.run(["bash", str(SCRIPT), "down"], env=self.env, timeout=30, check=False)


class CallbackSink:
    """A portal endpoint that accepts every status callback."""

    def __init__(self) -> None:
        self.received = 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                sink.received += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callbacks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def callback_sink() -> Iterator[CallbackSink]:
    sink = CallbackSink()
    yield sink
    sink.close()


def hub_config_for_test(tmp_path: Path, standin_url: str, callback_url: str) -> Path:
    """Bensheim's Gewerbe a REST procedure, Kreis Bergstraße without a ``*`` rule, callbacks
    for the Standesamt portal."""
    config = config_with_rest_procedure(tmp_path, standin_url)
    kreis = config / "tenants" / "kreis-bergstrasse.yaml"
    doc = yaml.safe_load(kreis.read_text())
    doc["routes"] = [r for r in doc["routes"] if r["service"] != "*"]
    kreis.write_text(yaml.safe_dump(doc, sort_keys=False))
    portals = config / "portals.yaml"
    doc = yaml.safe_load(portals.read_text())
    doc["portals"]["civento-standesamt"]["callback"] = {"url": callback_url}
    portals.write_text(yaml.safe_dump(doc, sort_keys=False))
    return config


def dashboard_queries() -> list[str]:
    """Every target expression of the shipped dashboard, rows' panels included."""
    doc = json.loads(DASHBOARD.read_text())
    panels: list[dict[str, Any]] = []
    for panel in doc["panels"]:
        panels.append(panel)
        panels.extend(panel.get("panels", []))
    return [t["expr"] for p in panels for t in p.get("targets", []) if t.get("expr")]


def grafana_to_promql(expr: str, range_: str) -> str:
    """What Grafana sends for the dashboard with every tenant selected."""
    return (
        expr.replace("$tenant", ".*").replace("$__rate_interval", "1m").replace("$__range", range_)
    )


def submit_cases(driver: HubDriver) -> list[tuple[str, str]]:
    """Every example application and e-invoice, plus one case routed by ``*`` and one that no
    rule takes; (case id, kind) of each."""
    cases = []
    for path in sorted((PROJECT_ROOT / "examples" / "applications").glob("*.json")):
        result = driver.post(driver.example(path.stem))
        assert result.accepted, result.body
        cases.append((result.body["applicationId"], "application"))
    for stem in ("hundesteuer-anmelden-viernheim", "baugenehmigung-kreis-bergstrasse"):
        body = driver.example(stem)
        body["service"]["leikaId"] = UNNAMED
        result = driver.post(body)
        assert result.accepted, result.body
        cases.append((result.body["applicationId"], "application"))
    for path in sorted(INVOICES.glob("*.xml")):
        result = driver.post_invoice(path.read_bytes())
        assert result.accepted, result.body
        cases.append((result.body["invoiceId"], "invoice"))
    return cases


def wait_for(probe: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def created(conn: KafkaConnection, *topics: str) -> None:
    """Wait until the broker's metadata lists ``topics`` (creation is asynchronous)."""
    admin = AdminClient(conn.admin())
    wait_for(lambda: set(topics) <= set(admin.list_topics(timeout=5).topics), 10, f"{topics}")


def samples_by(api: PromApi, expr: str, label: str) -> dict[str, float]:
    """The samples of ``expr`` by ``label`` (waiting out a stale moment after a slow scrape)."""
    return {s.labels.get(label, ""): s.value for s in api.wait_for_series(expr, timeout=10)}


def test_prometheus_scrapes_the_hub_records_the_kpi_and_fires_alerts_for_dead_letters(
    local_hub: Callable[..., LocalHub],
    standin: StandIn,
    callback_sink: CallbackSink,
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    standin.start()
    standin.control(reject_services=[GEWERBE])
    config = hub_config_for_test(tmp_path, standin.url, callback_sink.url)
    hub = local_hub(config_dir=config, extra_env=FAST)
    prometheus = Prometheus(tmp_path / "prometheus")
    rules = tighten_rules(RULES, tmp_path / "rules.yml")
    api = prometheus.up(
        prometheus_config(tmp_path / "prometheus.yml", f"127.0.0.1:{hub.web_port}", rules)
    )
    driver = HubDriver(hub)
    try:
        # Prometheus sees the prepared zero series before the first case: increase() then
        # counts every case, the first of each label set included
        api.wait_for_series('hub_cases_completed_total{media_break="false"}', timeout=30)
        cases = submit_cases(driver)
        views = [driver.wait_final(case_id, timeout=60, kind=kind) for case_id, kind in cases]
        elapsed_flow = time.monotonic() - started

        # one exposition per process: intake's own port serves none in `hub run`
        assert 404 == httpx.get(f"{hub.intake_url}/metrics", timeout=5).status_code

        total = len(cases)
        wait_for(
            lambda: [total] == [s.value for s in api.query("sum(hub_cases_received_total)")],
            15,
            "all received cases scraped",
        )
        wait_for(
            lambda: [total] == [s.value for s in api.query("sum(hub_cases_completed_total)")],
            15,
            "all completed cases scraped",
        )
        rejected = samples_by(
            api,
            'hub_cases_completed_total{media_break="true", reason="rejected"} > 0',
            "service",
        )
        assert {GEWERBE: 1.0} == rejected
        received = samples_by(
            api, 'sum by (service) (hub_cases_received_total{kind="application"}) > 0', "service"
        )
        assert UNNAMED not in received and 2.0 == received["other"]
        assert (
            1.0
            == api.wait_for_series(
                'hub_deliveries_total{connector="gewerbe", outcome="rejected"}', timeout=10
            )[0].value
        )

        # the recorded media-break-free share equals the share of the cases' final statuses
        expected: dict[str, list[bool]] = {}
        for view in views:
            expected.setdefault(view["tenant"], []).append(view["status"] == "completed")
        shares = {t: sum(ok) / len(ok) for t, ok in expected.items()}
        assert 0 < sum(shares.values()) < len(shares)  # some digital, some not

        def recorded_matches() -> bool:
            got = samples_by(api, "tenant:hub_media_break_free:ratio_1h", "tenant")
            return got.keys() == shares.keys() and all(
                abs(got[t] - shares[t]) < 1e-9 for t in shares
            )

        wait_for(recorded_matches, 20, f"recorded ratios {shares}")

        # alerts: the dead-lettered Gewerbe case and the quarantined case
        [dead] = api.wait_for_alert("HubDeadLettersGrowing", timeout=30)
        assert "ticket" == dead.labels["severity"]
        assert dead.annotations["runbook_url"].endswith("#runbook-dead-letters-growing")
        api.wait_for_alert("HubQuarantineGrowing", timeout=30)
        assert (1.0, 1.0) == (
            api.wait_for_series("hub_dead_letter_depth", timeout=10)[0].value,
            api.wait_for_series("hub_quarantine_depth", timeout=10)[0].value,
        )
        assert all(r.health == "ok" for r in api.rules()), [
            (r.name, r.last_error) for r in api.rules() if r.health != "ok"
        ]

        # lag is measured for this hub's group on every consumed topic, and worked off
        lag = api.wait_for_series(
            f'hub_consumer_lag_messages{{group="hub-{hub.run_id}"}}', timeout=10
        )
        assert {
            f"{hub.topic_prefix}.applications.submitted",
            f"{hub.topic_prefix}.deliveries.outcomes",
        } <= {s.labels["topic"] for s in lag}
        wait_for(
            lambda: {0.0} == {s.value for s in api.query("hub_consumer_lag_messages")},
            15,
            "lag worked off",
        )
        ready = samples_by(api, "hub_role_ready", "role")
        assert dict.fromkeys(("intake", "router", "connector", "tracker", "notifier"), 1.0) == ready
        assert callback_sink.received >= 1
        assert (
            1.0
            <= api.wait_for_series('sum(hub_callbacks_total{outcome="delivered"})', timeout=10)[
                0
            ].value
        )

        # every dashboard query returns data, except those that cannot here (NO_DATA_HERE)
        range_ = f"{int(time.monotonic() - started) + 60}s"
        queries = dashboard_queries()
        checked = [q for q in queries if not any(name in q for name in NO_DATA_HERE)]
        assert len(checked) >= len(queries) - len(NO_DATA_HERE) >= 20
        # a scrape that times out on a busy machine marks every series stale until the next
        # one: ask again for a while before calling a query empty
        empty = checked
        deadline = time.monotonic() + 20
        while empty and time.monotonic() < deadline:
            empty = [q for q in empty if not api.query(grafana_to_promql(q, range_))]
            time.sleep(0.5 if empty else 0)
        assert [] == empty, [(t["health"], t.get("lastError")) for t in api.targets()]
        print(
            f"\n{total} cases final after {elapsed_flow:.1f}s; shares {shares}; "
            f"{len(checked)} of {len(queries)} dashboard queries with data; "
            f"whole test {time.monotonic() - started:.1f}s"
        )
        assert time.monotonic() - started < BUDGET_SECONDS
    finally:
        driver.close()
        api.close()
        prometheus.down()


def test_lag_probe_reports_messages_and_age_of_the_oldest_unprocessed_message(
    kafka_broker: str,
) -> None:
    conn = KafkaConnection(kafka_broker)
    topic, group = f"lag-{uuid.uuid4().hex[:8]}", f"lag-group-{uuid.uuid4().hex[:6]}"
    ensure_topics(conn, [TopicSpec(topic, partitions=2, replication=1)])
    created(conn, topic)
    producer = Producer(conn.producer())
    now = time.time()
    ages = [300, 200, 100, 50]  # seconds before now, offsets 0..3 of partition 0
    for age in ages:
        producer.produce(topic, b"x", partition=0, timestamp=int((now - age) * 1000))
    producer.produce(topic, b"y", partition=1, timestamp=int((now - 30) * 1000))
    producer.flush(10)
    committer = Consumer(conn.consumer(group))
    committer.commit(
        offsets=[TopicPartition(topic, 0, 1), TopicPartition(topic, 1, 1)], asynchronous=False
    )
    committer.close()

    probe = BrokerLag(conn, group, cache_seconds=0)
    try:
        [(name, lag)] = probe.topic_lag([topic]).items()
        assert (topic, 3) == (name, lag.messages)  # offsets 1..3 of partition 0
        assert abs(lag.seconds - 200) < 5  # the message at the committed offset 1
        assert {(topic, 0): 3, (topic, 1): 0} == probe.lag([(topic, 0), (topic, 1)])
    finally:
        probe.close()


def test_depth_counts_entries_not_replayed_yet(kafka_broker: str) -> None:
    conn, codec = KafkaConnection(kafka_broker), SingleObjectCodec()
    topics = Topics(f"d{uuid.uuid4().hex[:8]}")
    names = (topics.deadletter, topics.quarantine, topics.replays)
    ensure_topics(conn, [TopicSpec(t, partitions=2, replication=1) for t in names])
    created(conn, *names)
    producer = Producer(conn.producer())
    entries = []
    for i, topic in enumerate([topics.deadletter] * 3 + [topics.quarantine]):
        record = quarantine_record(
            "connector",
            "http_422",
            "rejected",
            source_topic="s",
            key=b"k",
            value=b"v",
            case_id=f"c{i}",
        )
        entries.append(record)
        producer.produce(topic, codec.encode(record, topic=topic), key=f"c{i}".encode())
    for _ in range(2):  # replayed twice: still one entry less
        marker = Replayed(
            envelope=Envelope(case_id="c0", tenant="", correlation_id="c0"),
            entry_id=entries[0].envelope.event_id,
            entry_topic=topics.deadletter,
            target_topic="s",
            operator="test",
        )
        producer.produce(topics.replays, codec.encode(marker, topic=topics.replays), key=b"c0")
    producer.flush(10)
    depth = BacklogDepth(conn, topics, codec)
    try:
        assert {topics.deadletter: 2, topics.quarantine: 1} == depth.depth()
        assert {topics.deadletter: 2, topics.quarantine: 1} == depth.depth()  # read on from there
    finally:
        depth.close()
