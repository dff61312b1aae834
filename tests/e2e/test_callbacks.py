"""Status callbacks to the portal, end to end on the real broker, with a stand-in portal.

Exactly one callback per status change, in order per case, none lost when the notifier
is killed with SIGKILL mid-stream and restarted; a portal that stays down past the
deadline gets its notifications dead-lettered, and a replay delivers each once.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from hub.events.codec import SingleObjectCodec
from hub.events.models import CaseStatus, CaseStatusChanged, Envelope
from hub.kafka.admin import ensure_topics
from hub.kafka.config import KafkaConnection
from hub.kafka.producer import EventProducer
from hub.kafka.reader import read_topic
from hub.kafka.topics import TopicSpec
from hub.runtime.local import PROJECT_ROOT, LocalHub, free_port
from tests.e2e.conftest import HubDriver, StandIn

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

GEWERBE = "gewerbe-anmelden-bensheim"
PORTAL = "civento-hessen"
SECRET = "callback-test-secret"


class StandInPortal(StandIn):
    """tests/peers/portal.py as a real process, verifying signatures with ``SECRET``."""

    module = "tests.peers.portal"

    def control(self, mode: str) -> None:  # type: ignore[override]
        """Answer ``up`` (200), ``unavailable`` (503) or ``reject`` (422)."""
        super().control(mode=mode)


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[StandInPortal]:
    peer = StandInPortal(tmp_path / "portal", free_port(), "--secret", SECRET).start()
    try:
        yield peer
    finally:
        peer.stop()


def config_with_callback(tmp_path: Path, url: str, deadline: float = 3600) -> Path:
    """The shipped configuration with a status callback for civento-hessen."""
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    path = config / "portals.yaml"
    text = path.read_text().replace(
        "    tenants: [viernheim, bensheim, kreis-bergstrasse, mrn]\n",
        "    tenants: [viernheim, bensheim, kreis-bergstrasse, mrn]\n"
        f"    callback: {{url: '{url}/callbacks', deadline_seconds: {deadline}}}\n",
        1,
    )
    path.write_text(text)
    return config


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def status_changes(hub: LocalHub, cases: set[str]) -> dict[str, list[int]]:
    """Every status change the tracker wrote for ``cases``: case id -> sequences."""
    codec, out = SingleObjectCodec(), defaultdict(list)
    for record in read_topic(hub.bootstrap, f"{hub.topic_prefix}.applications.status"):
        event = codec.decode(record.value)
        if isinstance(event, CaseStatusChanged) and event.envelope.case_id in cases:
            out[event.envelope.case_id].append(event.sequence)
    return {c: sorted(set(s)) for c, s in out.items()}


def received(portal: StandInPortal) -> dict[str, list[int]]:
    """Case id -> sequences in the order the portal first received them."""
    out: dict[str, list[int]] = defaultdict(list)
    for n in portal.stats()["notifications"]:
        out[n["caseId"]].append(n["sequence"])
    return dict(out)


FAST = {
    "HUB_RETRY_BASE_SECONDS": "0.2",
    "HUB_RETRY_MAX_SECONDS": "1",
    "HUB_SESSION_TIMEOUT_SECONDS": "6",
    # the safety nets against messages faust skips after a rebalance, short for the test
    "HUB_REDELIVER_AFTER_SECONDS": "8",
    "HUB_RECONCILE_INTERVAL_SECONDS": "2",
}


def test_callbacks_arrive_once_each_in_order_even_when_the_notifier_is_killed(
    local_hub: Callable[..., LocalHub], portal: StandInPortal, tmp_path: Path
) -> None:
    config = config_with_callback(tmp_path, portal.url)
    secrets = {"civento-hessen": SECRET, "civento-standesamt": "s2", "erechnung-gateway": "s3"}
    front = local_hub(
        "run",
        "--roles",
        "intake,router,connector,tracker",
        config_dir=config,
        portal_secrets=secrets,
        extra_env=FAST,
    )
    shared = {
        "run_id": front.run_id,
        "workdir": front.workdir,
        "config_dir": config,
        "portal_secrets": secrets,
        "extra_env": FAST,
    }
    notifier = local_hub("notifier", **shared)
    driver = HubDriver(front)
    try:
        cases = [driver.post(driver.example(GEWERBE)).body["applicationId"] for _ in range(30)]
        wait_until(lambda: len(portal.stats()["notifications"]) >= 20, 60, "some callbacks")
        notifier.kill()  # SIGKILL mid-stream
        at_kill = len(portal.stats()["notifications"])
        notifier = local_hub("notifier", **shared)
        for case in cases:
            driver.wait_final(case, timeout=90)
        expected = status_changes(front, set(cases))
        wait_until(
            lambda: sum(map(len, received(portal).values())) >= sum(map(len, expected.values())),
            90,
            "every callback",
        )
        time.sleep(2)  # anything still in flight would show up now

        got, stats = received(portal), portal.stats()
        assert expected == {c: sorted(s) for c, s in got.items()}  # one per change, none lost
        assert all(seqs == sorted(seqs) for seqs in got.values()), got  # in order per case
        assert 0 == stats["bad_signatures"]
        # every case's changes are numbered 1..n without a gap, n being its final status
        assert all(v == list(range(1, len(v) + 1)) and len(v) >= 3 for v in expected.values())
        print(
            f"\ncallbacks: {sum(map(len, got.values()))} status changes of {len(cases)} cases, "
            f"{at_kill} received before SIGKILL, {stats['posts']} POSTs, "
            f"{stats['repeats']} repeats recognised by notification id"
        )
    finally:
        driver.close()


def test_portal_down_past_the_deadline_dead_letters_and_a_replay_delivers_once(
    local_hub: Callable[..., LocalHub], portal: StandInPortal, tmp_path: Path
) -> None:
    config = config_with_callback(tmp_path, portal.url, deadline=2)
    secrets = {"civento-hessen": SECRET, "civento-standesamt": "s2", "erechnung-gateway": "s3"}
    portal.control("unavailable")
    hub = local_hub(config_dir=config, portal_secrets=secrets, extra_env=FAST)
    driver = HubDriver(hub)
    try:
        case = driver.post(driver.example(GEWERBE)).body["applicationId"]
        driver.wait_final(case, timeout=60)
        env = {**hub.env(), "PYTHONUNBUFFERED": "1"}

        def dlq(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "hub", "dlq", *args],
                env=env,
                capture_output=True,
                text=True,
                cwd=PROJECT_ROOT,
                timeout=60,
                check=False,
            )

        wait_until(lambda: dlq("list").stdout.count("callback:") >= 4, 60, "dead letters")
        assert [] == portal.stats()["notifications"]
        portal.control("up")
        replayed = dlq("replay", "--all")
        assert 0 == replayed.returncode, replayed.stderr
        wait_until(lambda: len(portal.stats()["notifications"]) >= 4, 30, "replayed callbacks")
        again = dlq("replay", "--all", "--force")  # a second replay sends nothing new
        assert 0 == again.returncode, again.stderr
        time.sleep(3)
        assert [1, 2, 3, 4] == sorted(received(portal)[case])
    finally:
        driver.close()


def test_a_notification_the_consumer_committed_past_is_found_and_sent(
    local_hub: Callable[..., LocalHub], portal: StandInPortal, tmp_path: Path
) -> None:
    """What faust does after a rebalance now and then (upstream #216), done on purpose: the
    notifier's group is committed past a notification it never handled."""
    config = config_with_callback(tmp_path, portal.url)
    secrets = {"civento-hessen": SECRET, "civento-standesamt": "s2", "erechnung-gateway": "s3"}
    probe = LocalHub(workdir=tmp_path / "probe", config_dir=config, portal_secrets=secrets)
    topic = f"{probe.topic_prefix}.callbacks.civento-hessen"
    changed = CaseStatusChanged(
        envelope=Envelope(case_id="case-skipped", tenant="bensheim", correlation_id="case-skipped"),
        status=CaseStatus.received,
        service="99050012104000",
        portal=PORTAL,
        sequence=1,
    )
    connection = KafkaConnection(probe.bootstrap)
    ensure_topics(connection, [TopicSpec(topic, partitions=4, replication=1)])
    producer = EventProducer(connection)
    try:
        asyncio.run(producer.send(topic, b"case-skipped", SingleObjectCodec().encode(changed)))
    finally:
        producer.close()
    (record,) = read_topic(connection, topic)
    group = Consumer(connection.consumer(f"hub-{probe.run_id}-notifier"))
    group.commit(
        offsets=[TopicPartition(topic, record.partition, record.offset + 1)], asynchronous=False
    )
    group.close()
    time.sleep(3)  # older than HUB_REDELIVER_AFTER_SECONDS below

    local_hub(
        "notifier",
        run_id=probe.run_id,
        workdir=probe.workdir,
        config_dir=config,
        portal_secrets=secrets,
        extra_env={
            **FAST,
            "HUB_REDELIVER_AFTER_SECONDS": "2",
            "HUB_RECONCILE_INTERVAL_SECONDS": "1",
        },
    )

    wait_until(lambda: bool(portal.stats()["notifications"]), 45, "the skipped notification")
    time.sleep(3)
    got = portal.stats()["notifications"]
    assert [("case-skipped", 1)] == [(n["caseId"], n["sequence"]) for n in got]  # once
