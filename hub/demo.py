"""``hub demo``: the whole hub on this machine, every example submitted, a table of results."""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.intake.client import IntakeClient
from hub.runtime.local import PROJECT_ROOT, LocalHub, kafka

EXAMPLES = PROJECT_ROOT / "examples"
INVOICE_PORTAL = "erechnung-gateway"


@dataclass
class Sent:
    """One example submitted: where it came from and what intake answered."""

    path: Path
    kind: str  # application | invoice
    case_id: str
    started: float
    view: dict[str, Any] | None = None
    seconds: float = float("nan")


def run_demo(examples: Path = EXAMPLES, timeout: float = 120.0, keep_kafka: bool = False) -> int:
    """Start Kafka and the hub, submit every example, wait for final statuses, print a table."""
    files = sorted(examples.glob("applications/*.json")) + sorted(examples.glob("invoices/*.xml"))
    if not files:
        print(f"no submissions found under {examples} (applications/*.json, invoices/*.xml)")
        return 2
    was_running = kafka("status") == 0
    if not was_running and kafka("up") != 0:
        print("could not start Kafka (see var/kafka/broker.log)")
        return 1
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
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
    clients: dict[str, IntakeClient] = {}

    def client(portal: str) -> IntakeClient:
        if portal not in clients:
            clients[portal] = IntakeClient(hub.intake_url, portal, hub.portal_secrets[portal])
        return clients[portal]

    sent: list[Sent] = []
    readers: dict[str, IntakeClient] = {}  # case id -> the client of the portal that sent it
    try:
        for path in files:
            body = path.read_bytes()
            portal = INVOICE_PORTAL if path.suffix == ".xml" else json.loads(body)["portal"]
            kind = "invoice" if path.suffix == ".xml" else "application"
            sender = client(portal)
            result = sender.submit_invoice(body) if kind == "invoice" else sender.submit(body)
            if not result.accepted:
                print(f"{path.name}: refused with {result.status}: {result.body.get('title')}")
                return 1
            sent.append(Sent(path, kind, result.body[f"{kind}Id"], time.monotonic()))
            readers[sent[-1].case_id] = sender
        deadline = time.monotonic() + timeout
        while any(s.view is None for s in sent) and time.monotonic() < deadline:
            for s in sent:
                if s.view is None:
                    view = readers[s.case_id].status(s.case_id, s.kind).body
                    if view.get("final"):
                        s.view, s.seconds = view, time.monotonic() - s.started
            time.sleep(0.2)
    finally:
        for c in clients.values():
            c.close()
    _print_table(sent)
    return 0 if all(s.view is not None for s in sent) else 1


def _references(view: dict[str, Any]) -> str:
    """The back offices' own references of a case (Aktenzeichen, order numbers, record ids)."""
    found = [
        f"{d['connector']}: {d['reference']}"
        for d in view.get("deliveries", [])
        if d.get("reference")
        and d.get("outcome") == "delivered"
        and not d["kind"].startswith("manual.")
    ]
    text = "; ".join(found) or "-"
    return text if len(text) <= 60 else text[:59] + "…"


def _print_table(sent: list[Sent]) -> None:
    rows = [
        ("case", "kind", "tenant", "service", "status", "reasons", "back-office reference",
         "seconds", "example"),
    ]  # fmt: skip
    for s in sent:
        v = s.view or {"status": "timed out", "tenant": "?", "service": "?", "reasons": []}
        reasons = ",".join(v.get("reasons", [])) or "-"
        rows.append(
            (
                s.case_id[:8],
                s.kind,
                v["tenant"],
                v["service"],
                v["status"],
                reasons,
                _references(v),
                f"{s.seconds:.2f}",
                s.path.name,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    done = [s for s in sent if s.view is not None]
    free = sum(1 for s in done if s.view and s.view["status"] == "completed")
    ratio = free / len(sent) if sent else 0.0
    print(f"\nmedia-break-free: {free}/{len(sent)} = {ratio:.0%}")
    print(f"final status reached: {len(done)}/{len(sent)}")
