"""How long the official XRechnung validation takes, and what it costs an asyncio caller.

``python -m bench.xrechnung_validation [--rounds N] [--big-mb M]``

1. **suite**: one in-process validator validates every instance of the official test suite
   (``../shared/standards/xrechnung/testsuite/standard``) N times; p50/p99/max per invoice.
2. **big**: a test-suite invoice with embedded attachments (``cac:AdditionalDocumentReference``
   with base64 of random bytes) of about M MB, checked to stay valid; time, and peak RSS of a
   fresh process (rules compiled first, so the peak minus that baseline is the document's).
3. **asyncio**: the suite once through ``asyncio.to_thread`` and through
   :class:`~hub.formats.xrechnung.AsyncXRechnungValidator` (1 and 2 workers), with a 1 ms
   ticker on the loop: wall time and the loop's longest stall.

Run ``scripts/xrechnung.sh fetch`` first.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import multiprocessing
import os
import resource
import statistics
import time
from pathlib import Path

from hub.formats.xrechnung import AsyncXRechnungValidator, XRechnungValidator
from hub.runtime.local import PROJECT_ROOT

SUITE = PROJECT_ROOT.parent / "shared" / "standards" / "xrechnung" / "testsuite" / "standard"
BASE = SUITE / "01.01a-INVOICE_ubl.xml"
ATTACHMENTS = 4


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def big_invoice(megabytes: float) -> bytes:
    """A valid UBL invoice carrying ``ATTACHMENTS`` random PDFs, ``megabytes`` in total."""
    raw_each = int(megabytes * 1024 * 1024 * 3 / 4 / ATTACHMENTS)
    references = b"".join(
        b"<cac:AdditionalDocumentReference><cbc:ID>Anlage-%d</cbc:ID>"
        b"<cbc:DocumentDescription>Leistungsnachweis</cbc:DocumentDescription>"
        b'<cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" '
        b'filename="anlage-%d.pdf">'
        % (n, n)
        + base64.b64encode(os.urandom(raw_each))
        + b"</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>"
        for n in range(1, ATTACHMENTS + 1)
    )
    data = BASE.read_bytes()
    anchor = data.index(b"<cac:AccountingSupplierParty>")
    return data[:anchor] + references + data[anchor:]


def bench_suite(validator: XRechnungValidator, files: list[Path], rounds: int) -> None:
    documents = [f.read_bytes() for f in files]
    times: list[float] = []
    for _ in range(rounds):
        for document in documents:
            started = time.perf_counter()
            report = validator.validate(document)
            times.append(time.perf_counter() - started)
            assert report.valid
    ms = [t * 1000 for t in times]
    print(
        f"suite: {len(documents)} invoices x {rounds} rounds = {len(ms)} validations, "
        f"{sum(len(d) for d in documents) / len(documents) / 1024:.0f} KiB average"
    )
    print(
        f"  per invoice: p50 {_percentile(ms, 0.5):.1f} ms  p99 {_percentile(ms, 0.99):.1f} ms  "
        f"max {max(ms):.1f} ms  mean {statistics.fmean(ms):.1f} ms"
    )


def _big_in_fresh_process(megabytes: float, out: multiprocessing.Queue[str]) -> None:
    started = time.perf_counter()
    validator = XRechnungValidator()
    compiled = time.perf_counter() - started
    baseline = _rss_mb()
    document = big_invoice(megabytes)
    with_document = _rss_mb()
    started = time.perf_counter()
    report = validator.validate(document)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put(
        f"big: {len(document) / 1024 / 1024:.1f} MiB, {ATTACHMENTS} embedded attachments, "
        f"valid={report.valid}, findings={sorted(report.rule_ids())}\n"
        f"  compile rules {compiled:.2f} s; validate {seconds:.2f} s\n"
        f"  RSS: {baseline:.0f} MiB after compiling, {with_document:.0f} MiB with the document "
        f"in memory, peak {peak:.0f} MiB (validation adds {peak - with_document:.0f} MiB)"
    )


def bench_big(megabytes: float) -> None:
    context = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[str] = context.Queue()
    child = context.Process(target=_big_in_fresh_process, args=(megabytes, out))
    child.start()
    print(out.get(timeout=600))
    child.join()


async def _with_ticker(work: asyncio.Future[object]) -> tuple[float, float]:
    stall = 0.0
    done = False

    async def tick() -> None:
        nonlocal stall
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            stall = max(stall, now - last)
            last = now

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    await work
    elapsed = time.perf_counter() - started
    done = True
    await ticker
    return elapsed, stall


async def bench_asyncio(validator: XRechnungValidator, files: list[Path], big: bytes) -> None:
    documents = [f.read_bytes() for f in files] + [big]

    async def threaded() -> None:
        for document in documents:
            await asyncio.to_thread(validator.validate, document)

    elapsed, stall = await _with_ticker(asyncio.ensure_future(threaded()))
    print(
        f"asyncio, {len(documents)} invoices (the suite and the big one):\n"
        f"  to_thread:         {elapsed:6.2f} s wall, loop stalled up to {stall * 1000:7.1f} ms"
    )
    for workers in (1, 2):
        async with AsyncXRechnungValidator(workers=workers) as pool:

            async def pooled(pool: AsyncXRechnungValidator = pool) -> None:
                await asyncio.gather(*(pool.validate(d) for d in documents))

            elapsed, stall = await _with_ticker(asyncio.ensure_future(pooled()))
        print(
            f"  pool, {workers} worker{'s' if workers > 1 else ' '}:  {elapsed:6.2f} s wall, "
            f"loop stalled up to {stall * 1000:7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the suite (5)")
    parser.add_argument("--big-mb", type=float, default=20.0, help="size of the big invoice")
    args = parser.parse_args()
    files = sorted(SUITE.glob("*_ubl.xml")) + sorted(SUITE.glob("*_uncefact.xml"))
    print(f"cores={os.cpu_count()} load avg={os.getloadavg()[0]:.2f}")
    started = time.perf_counter()
    validator = XRechnungValidator()
    print(f"compile: {time.perf_counter() - started:.2f} s (all stylesheets and schemas)")
    bench_suite(validator, files, args.rounds)
    bench_big(args.big_mb)
    asyncio.run(bench_asyncio(validator, files, big_invoice(args.big_mb)))


if __name__ == "__main__":
    main()
