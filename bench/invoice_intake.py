"""What the official validation costs at intake, measured through the real HTTP server.

``python -m bench.invoice_intake [--rounds N] [--big-mb M]``

Serves intake (``create_intake_app``, its real validation pool of one worker process, local
blob and receipt stores in a temp directory, a producer that acknowledges at once) on a
local port and POSTs, signed like a portal:

1. **suite**: every instance of the official test suite N times, its BT-10 set to Bensheim's
   Leitweg-ID and its BT-1 made unique, one request at a time. Per invoice: the validation
   as intake awaits it (hand-over to the worker and back included) and the whole request.
2. **big**: one valid invoice of about M MB (four embedded "PDFs", as in
   ``bench.xrechnung_validation``): request and validation time, and the peak RSS (VmHWM) of
   the validation worker and of the intake process.

Run ``scripts/xrechnung.sh fetch`` first.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from lxml import etree
from prometheus_client import CollectorRegistry

from bench.xrechnung_validation import SUITE, big_invoice
from hub.config import load_config
from hub.events.codec import SingleObjectCodec
from hub.events.topics import Topics
from hub.formats.xrechnung import ValidationReport
from hub.formats.xrechnung.document import NS
from hub.intake.api import IntakeDeps, create_intake_app
from hub.intake.invoices import IntakeValidator
from hub.intake.receipts import ReceiptStore
from hub.logs import configure_logging
from hub.metrics import HubMetrics
from hub.routing.leitweg import check_digits
from hub.runtime.local import PORTAL_SECRET_ENV, PROJECT_ROOT, free_port
from hub.settings import DEFAULT_XRECHNUNG_RULES_DIR
from hub.signing import signed_headers
from hub.storage.blobs import LocalBlobStore

PORTAL = "erechnung-gateway"
SECRET = "bench-secret"  # noqa: S105 - a throwaway portal secret of the benchmark
LEITWEG = f"064310002002-{check_digits('064310002002')}"
_BT1 = ("/*/cbc:ID", "/*/rsm:ExchangedDocument/ram:ID")
_BT10 = ("//cbc:BuyerReference", "//ram:BuyerReference")


class _Acknowledging:
    """A producer whose broker acknowledges at once (Kafka is not what is measured here)."""

    async def send(self, topic: str, key: bytes, value: bytes) -> None:
        return None

    def broker_reachable(self, timeout: float = 2.0) -> bool:
        return True

    def close(self) -> None:
        return None


class _Timed:
    """The intake validator, timing every validation as intake awaits it."""

    def __init__(self, inner: IntakeValidator) -> None:
        self.inner = inner
        self.seconds: list[float] = []

    async def validate(self, document: bytes) -> ValidationReport:
        started = time.perf_counter()
        try:
            return await self.inner.validate(document)
        finally:
            self.seconds.append(time.perf_counter() - started)


def _set(root: etree._Element, paths: tuple[str, ...], value: str) -> None:
    for path in paths:
        for node in root.xpath(path, namespaces=NS):
            node.text = value


def routed_copy(path: Path, number: str) -> bytes:
    """A suite instance addressed to Bensheim, with its own invoice number."""
    root = etree.fromstring(path.read_bytes())
    _set(root, _BT10, LEITWEG)
    _set(root, _BT1, number)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _line(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"  {label:<11} p50 {_percentile(ms, 0.5):7.1f} ms  p99 {_percentile(ms, 0.99):7.1f} ms"
        f"  max {max(ms):7.1f} ms"
    )


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _children() -> list[int]:
    me, found = os.getpid(), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            found.append(int(stat.parent.name))
    return found


async def _post(client: httpx.AsyncClient, url: str, body: bytes) -> tuple[int, float]:
    headers = {
        "Content-Type": "application/xml",
        **signed_headers(PORTAL, SECRET, int(time.time()), body),
    }
    started = time.perf_counter()
    resp = await client.post(url, content=body, headers=headers)
    return resp.status_code, time.perf_counter() - started


async def run(rounds: int, big_mb: float) -> None:
    configure_logging("WARNING", "console")
    for env in PORTAL_SECRET_ENV.values():
        os.environ.setdefault(env, SECRET)
    os.environ[PORTAL_SECRET_ENV[PORTAL]] = SECRET
    os.environ.setdefault("HUB_VAR_DIR", tempfile.mkdtemp(prefix="bench-var-"))
    work = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    started = time.perf_counter()
    inner = IntakeValidator(DEFAULT_XRECHNUNG_RULES_DIR)
    await inner.start()
    print(f"validation worker ready: {time.perf_counter() - started:.2f} s (rules compiled)")
    timed = _Timed(inner)
    deps = IntakeDeps(
        config=load_config(PROJECT_ROOT / "config"),
        topics=Topics(),
        codec=SingleObjectCodec(),
        producer=_Acknowledging(),  # type: ignore[arg-type]
        blobs=LocalBlobStore(work / "blobs"),
        receipts=ReceiptStore(work / "receipts"),
        metrics=HubMetrics(CollectorRegistry()),
        tracker_url=f"http://127.0.0.1:{free_port()}",
        max_body_bytes=32 * 1024 * 1024,
        signature_tolerance_seconds=300,
        validator=timed,
    )
    runner = web.AppRunner(create_intake_app(deps), access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}/v1/invoices"
    files = sorted(SUITE.glob("*_ubl.xml")) + sorted(SUITE.glob("*_uncefact.xml"))
    documents = [
        routed_copy(path, f"BENCH-{n}-{i}") for n in range(rounds) for i, path in enumerate(files)
    ]
    requests: list[float] = []
    statuses: dict[int, int] = {}
    try:
        async with httpx.AsyncClient(timeout=120) as client:
            await _post(client, url, routed_copy(files[0], "BENCH-warm-up"))
            timed.seconds.clear()
            for body in documents:
                status, seconds = await _post(client, url, body)
                statuses[status] = statuses.get(status, 0) + 1
                requests.append(seconds)
            size = sum(map(len, documents)) / len(documents) / 1024
            print(
                f"suite through HTTP: {len(files)} invoices x {rounds} rounds = "
                f"{len(documents)} requests, {size:.0f} KiB average, answers {statuses}"
            )
            print(_line("validation", timed.seconds))
            print(_line("request", requests))
            big = re.sub(
                rb"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>",
                f"<cbc:BuyerReference>{LEITWEG}</cbc:BuyerReference>".encode(),
                big_invoice(big_mb),
                count=1,
            )
            timed.seconds.clear()
            status, seconds = await _post(client, url, big)
            if status != 202:
                print(f"big: refused {status}")
        worker = max(_children(), key=_peak_rss_mb)
        print(
            f"big: {len(big) / 2**20:.1f} MiB with 4 embedded attachments -> {status}: "
            f"request {seconds:.2f} s, validation {timed.seconds[0]:.2f} s"
        )
        print(
            f"  peak RSS: validation worker {_peak_rss_mb(worker):.0f} MiB, "
            f"intake process {_peak_rss_mb(os.getpid()):.0f} MiB"
        )
    finally:
        await runner.cleanup()
        await inner.close()


def main(argv: list[str] | None = None) -> Any:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the suite")
    parser.add_argument("--big-mb", type=float, default=20.0, help="size of the big invoice")
    args = parser.parse_args(argv)
    asyncio.run(run(args.rounds, args.big_mb))


if __name__ == "__main__":
    main()
