"""``hub demo``: the whole hub on this machine, every example submitted, a table of results."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from hub.intake.client import IntakeClient
from hub.runtime.local import PROJECT_ROOT, LocalHub, kafka

EXAMPLES = PROJECT_ROOT / "examples" / "applications"


def run_demo(examples: Path = EXAMPLES, timeout: float = 120.0, keep_kafka: bool = False) -> int:
    """Start Kafka and the hub, submit every example, wait for final statuses, print a table."""
    files = sorted(examples.glob("*.json"))
    if not files:
        print(f"no submissions found in {examples}")
        return 2
    was_running = kafka("status") == 0
    if not was_running and kafka("up") != 0:
        print("could not start Kafka (see var/kafka/broker.log)")
        return 1
    hub = LocalHub(workdir=Path(tempfile.mkdtemp(prefix="hub-demo-", dir=PROJECT_ROOT / "var")))
    try:
        print(f"starting the hub (intake {hub.intake_url}, logs in {hub.workdir}) ...")
        hub.start(timeout=90)
        return _submit_and_report(hub, files, timeout)
    finally:
        hub.stop()
        if not was_running and not keep_kafka:
            kafka("down")


def _submit_and_report(hub: LocalHub, files: list[Path], timeout: float) -> int:
    started: dict[str, tuple[Path, float]] = {}
    clients: dict[str, IntakeClient] = {}
    for path in files:
        body = path.read_bytes()
        portal = json.loads(body)["portal"]
        client = clients.setdefault(
            portal, IntakeClient(hub.intake_url, portal, hub.portal_secrets[portal])
        )
        result = client.submit(body)
        if not result.accepted:
            print(f"{path.name}: refused with {result.status}: {result.body.get('title')}")
            return 1
        started[result.body["applicationId"]] = (path, time.monotonic())
    any_client = next(iter(clients.values()))
    final: dict[str, tuple[dict[str, Any], float]] = {}
    deadline = time.monotonic() + timeout
    while len(final) < len(started) and time.monotonic() < deadline:
        for case_id, (_path, t0) in started.items():
            if case_id in final:
                continue
            view = any_client.status(case_id).body
            if view.get("final"):
                final[case_id] = (view, time.monotonic() - t0)
        time.sleep(0.2)
    for c in clients.values():
        c.close()
    _print_table(started, final)
    return 0 if len(final) == len(started) else 1


def _print_table(
    started: dict[str, tuple[Path, float]], final: dict[str, tuple[dict[str, Any], float]]
) -> None:
    rows = [("case", "tenant", "service", "status", "seconds", "sample")]
    for case_id, (path, _t0) in started.items():
        view, seconds = final.get(
            case_id, ({"status": "timed out", "tenant": "?", "service": "?"}, float("nan"))
        )
        rows.append(
            (
                case_id[:8],
                view["tenant"],
                view["service"],
                view["status"],
                f"{seconds:.2f}",
                path.name,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    completed = sum(1 for v, _s in final.values() if v["status"] == "completed")
    ratio = completed / len(started) if started else 0.0
    print(f"\nmedia-break-free: {completed}/{len(started)} = {ratio:.0%}")
    print(f"final status reached: {len(final)}/{len(started)}")
