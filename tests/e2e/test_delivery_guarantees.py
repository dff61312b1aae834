"""Delivery guarantees end to end on the real broker, counted at a stand-in Fachverfahren.

Bensheim's Gewerbe connector is a ``procedure.rest`` instance talking to the stand-in
(tests/peers/fachverfahren.py); the stand-in imports each idempotency key once and
counts every POST, so "exactly once" is checked where it matters: at the back office.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from hub.ids import delivery_id
from hub.kafka.reader import read_topic
from hub.runtime.local import PROJECT_ROOT, LocalHub
from tests.e2e.conftest import HubDriver, StandIn, config_with_rest_procedure

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

FAST_RETRY = {"HUB_RETRY_BASE_SECONDS": "0.2", "HUB_RETRY_MAX_SECONDS": "1"}
GEWERBE = "gewerbe-anmelden-bensheim"


def metric(hub: LocalHub, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels`` (0 when none)."""
    text = httpx.get(f"{hub.web_url}/metrics", timeout=5).text
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{name}(?:\{{(.*)\}})? (\S+)$", line)
        if match and all(f'{k}="{v}"' in (match.group(1) or "") for k, v in labels.items()):
            total += float(match.group(2))
    return total


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def gewerbe_keys(case_ids: list[str]) -> list[str]:
    return sorted(delivery_id(c, "bensheim", "gewerbe") for c in case_ids)


def hub_cli(hub: LocalHub, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``hub`` command against this hub's topics."""
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env={**os.environ, **hub.env()},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_outage_of_one_back_office_delivers_every_case_once_and_does_not_delay_others(
    local_hub: Callable[..., LocalHub], standin: StandIn, tmp_path: Path
) -> None:
    config = config_with_rest_procedure(tmp_path, standin.url)  # not started: connection refused
    hub = local_hub(config_dir=config, extra_env=FAST_RETRY)
    driver = HubDriver(hub)
    try:
        gewerbe = [driver.post(driver.example(GEWERBE)).body["applicationId"] for _ in range(8)]

        def viernheim_round_trips(n: int) -> list[float]:
            seconds = []
            for _ in range(n):
                started = time.monotonic()
                case = driver.post(driver.example("geburtsurkunde-viernheim")).body["applicationId"]
                assert "completed" == driver.wait_final(case, timeout=30)["status"]
                seconds.append(time.monotonic() - started)
            return seconds

        def filed_in_dms(case: str) -> bool:
            return any(
                (d["connector"], d["outcome"]) == ("dms", "delivered")
                for d in driver.journey(case)["deliveries"]
            )

        # filing the 8 cases into Bensheim's DMS (a PDF/A each) is CPU work in this one
        # process, not a retry pause: let it end before timing the other tenant
        wait_until(lambda: all(filed_in_dms(c) for c in gewerbe), 60, "the DMS filings")
        during_outage = viernheim_round_trips(5)
        wait_until(
            lambda: metric(hub, "hub_delivery_retries_total", connector="gewerbe") >= 2,
            30,
            "retries",
        )
        assert 1 == metric(hub, "hub_connector_parked", tenant="bensheim", connector="gewerbe")
        assert not any(driver.journey(c)["final"] for c in gewerbe)

        standin.start()
        standin.control(mode="unavailable")  # from refused connections to 503 answers
        wait_until(lambda: standin.stats()["posts"] >= 2, 30, "503 answers")
        standin.control(mode="up")
        views = [driver.wait_final(c, timeout=60) for c in gewerbe]
        after_outage = viernheim_round_trips(5)

        assert ["completed"] * 8 == [v["status"] for v in views]
        stats = standin.stats()
        assert 8 == stats["imports"]
        assert gewerbe_keys(gewerbe) == stats["keys"]
        assert 0 == metric(hub, "hub_connector_parked", tenant="bensheim", connector="gewerbe")
        print(
            f"\nViernheim round trip while Bensheim's procedure was down: "
            f"median {statistics.median(during_outage):.2f}s max {max(during_outage):.2f}s; "
            f"afterwards: median {statistics.median(after_outage):.2f}s max {max(after_outage):.2f}s; "
            f"stand-in saw {stats['posts']} POSTs for {stats['imports']} imports"
        )
        # the other tenant kept flowing: no retry pause (1 s backoff) shows in its round trips
        assert max(during_outage) < max(after_outage) + 2.0
    finally:
        driver.close()


def test_permanent_rejection_is_dead_lettered_and_replayed_once_after_the_fix(
    local_hub: Callable[..., LocalHub], standin: StandIn, tmp_path: Path
) -> None:
    standin.start()
    standin.control(reject_services=["99050012104000"])
    hub = local_hub(
        config_dir=config_with_rest_procedure(tmp_path, standin.url), extra_env=FAST_RETRY
    )
    driver = HubDriver(hub)
    try:
        case = driver.post(driver.example(GEWERBE)).body["applicationId"]
        view = driver.wait_final(case)
        assert ("media_break", ["rejected:http_422"]) == (view["status"], view["reasons"])
        assert 1 == standin.stats()["posts"]  # rejected at once, not retried

        listed = hub_cli(hub, "dlq", "list", "--connector", "gewerbe")
        assert 0 == listed.returncode, listed.stderr
        [row] = [line for line in listed.stdout.splitlines() if "http_422" in line]
        entry_id = row.split()[0]
        shown = hub_cli(hub, "dlq", "show", entry_id)
        assert "Pflichtangaben" in shown.stdout and "DeliveryRequested" in shown.stdout

        standin.control(reject_services=[])  # the cause is fixed
        first = hub_cli(hub, "dlq", "replay", entry_id)
        assert 0 == first.returncode, first.stderr
        wait_until(
            lambda: driver.journey(case)["status"] == "completed", 30, "completion after replay"
        )
        assert 1 == standin.stats()["imports"]

        again = hub_cli(hub, "dlq", "replay", entry_id)  # explicitly, a second time
        assert 0 == again.returncode, again.stderr
        wait_until(
            lambda: metric(hub, "hub_deliveries_skipped_total", connector="gewerbe") == 1,
            30,
            "skip",
        )
        assert (1, 2) == (standin.stats()["imports"], standin.stats()["posts"])
        assert "nothing to replay" in hub_cli(hub, "dlq", "replay", "--all").stdout
        assert "x2" in hub_cli(hub, "dlq", "list").stdout
    finally:
        driver.close()


def test_connector_killed_mid_batch_loses_nothing_and_hands_nothing_over_twice(
    local_hub: Callable[..., LocalHub], standin: StandIn, tmp_path: Path
) -> None:
    standin.start()
    standin.control(delay_seconds=0.08)
    config = config_with_rest_procedure(tmp_path, standin.url)
    # Short timings of the three safety nets: the killed worker's partitions pass to its
    # successor once its session times out; a worker whose partitions stall (faust #629) fails
    # /healthz; a case that stopped moving (an event faust skipped, #216) is sent again.
    env = {
        **FAST_RETRY,
        "HUB_SESSION_TIMEOUT_SECONDS": "6",
        "HUB_STALL_SECONDS": "5",
        "HUB_REDELIVER_AFTER_SECONDS": "8",
        "HUB_RECONCILE_INTERVAL_SECONDS": "2",
    }
    front = local_hub("run", "--roles", "intake,router,tracker", config_dir=config, extra_env=env)
    shared = {
        "run_id": front.run_id,
        "workdir": front.workdir,
        "config_dir": config,
        "portal_secrets": front.portal_secrets,
        "extra_env": env,
    }
    connector = local_hub("connector", **shared)
    driver = HubDriver(front)
    try:
        cases = [driver.post(driver.example(GEWERBE)).body["applicationId"] for _ in range(30)]
        wait_until(lambda: standin.stats()["imports"] >= 8, 60, "part of the batch")
        connector.kill()  # SIGKILL in the middle of the batch
        imported_at_kill = standin.stats()["imports"]
        assert imported_at_kill < 30
        connector = local_hub("connector", **shared)

        # what Kubernetes does: restart the worker whenever its liveness probe fails
        restarts, deadline = 0, time.monotonic() + 120
        while not all(driver.journey(c)["final"] for c in cases):
            assert time.monotonic() < deadline, f"not done after {restarts} liveness restarts"
            if httpx.get(f"{connector.web_url}/healthz", timeout=10).status_code == 503:
                connector.kill()
                connector = local_hub("connector", **shared)
                restarts += 1
            time.sleep(1)

        views = [driver.journey(c) for c in cases]
        assert ["completed"] * 30 == [v["status"] for v in views]
        stats = standin.stats()
        assert 30 == stats["imports"]
        assert gewerbe_keys(cases) == stats["keys"]
        dms = [p.name for p in driver.inbox("bensheim", "dms")]
        assert sorted(
            f"{delivery_id(c, 'bensheim', 'dms')}_FVDaten.SGOAblegen.0605.zip" for c in cases
        ) == sorted(dms)
        redelivered = metric(front, "hub_redeliveries_total")
        print(
            f"\nkilled after {imported_at_kill}/30 imports; {stats['posts']} POSTs in all; "
            f"{restarts} restart(s) by the liveness probe; {redelivered:.0f} case(s) sent again"
        )
    finally:
        driver.close()


def test_stalled_agent_fails_healthz_and_recovers(
    local_hub: Callable[..., LocalHub], standin: StandIn, tmp_path: Path
) -> None:
    standin.start()
    standin.control(mode="hang")
    config = config_with_rest_procedure(tmp_path, standin.url, timeout=60)
    hub = local_hub(config_dir=config, extra_env={**FAST_RETRY, "HUB_STALL_SECONDS": "3"})
    driver = HubDriver(hub)
    try:
        assert 200 == httpx.get(f"{hub.web_url}/healthz", timeout=5).status_code
        case = driver.post(driver.example(GEWERBE)).body["applicationId"]

        wait_until(
            lambda: httpx.get(f"{hub.web_url}/healthz", timeout=5).status_code == 503, 30, "503"
        )
        body = httpx.get(f"{hub.web_url}/healthz", timeout=5).json()
        assert ["connector.bensheim.gewerbe"] == body["stalled"]

        standin.control(mode="up")
        assert "completed" == driver.wait_final(case, timeout=30)["status"]
        assert 200 == httpx.get(f"{hub.web_url}/healthz", timeout=5).status_code
    finally:
        driver.close()


def test_a_case_that_stopped_moving_is_sent_again_and_still_delivered_once(
    local_hub: Callable[..., LocalHub], standin: StandIn, tmp_path: Path
) -> None:
    standin.start()
    config = config_with_rest_procedure(tmp_path, standin.url)
    env = {"HUB_REDELIVER_AFTER_SECONDS": "3", "HUB_RECONCILE_INTERVAL_SECONDS": "1"}
    # no connector runs yet: the case is routed and then stops moving
    front = local_hub("run", "--roles", "intake,router,tracker", config_dir=config, extra_env=env)
    driver = HubDriver(front)
    try:
        case = driver.post(driver.example(GEWERBE)).body["applicationId"]
        requests = f"{front.topic_prefix}.deliveries.bensheim.gewerbe"

        def requests_for_case() -> int:
            return sum(1 for r in read_topic(front.bootstrap, requests) if r.key == case.encode())

        wait_until(lambda: requests_for_case() >= 2, 30, "the case to be routed a second time")
        assert metric(front, "hub_redeliveries_total", tenant="bensheim") >= 1
        local_hub(
            "connector",
            run_id=front.run_id,
            workdir=front.workdir,
            config_dir=config,
            portal_secrets=front.portal_secrets,
            extra_env=env,
        )

        assert "completed" == driver.wait_final(case, timeout=60)["status"]
        stats = standin.stats()
        assert ([delivery_id(case, "bensheim", "gewerbe")], 1) == (stats["keys"], stats["imports"])
        assert 1 == stats["posts"]  # the repeated request found the delivery done and sent nothing
    finally:
        driver.close()
