"""The asyncio facade: validation in a worker process keeps the event loop free."""

from __future__ import annotations

import asyncio
import time

import pytest
from xrechnung_cases import UBL
from xrechnung_variants import BROKEN

from hub.formats.xrechnung import AsyncXRechnungValidator, HostileXmlError

LAUGHS = b'<!DOCTYPE x [<!ENTITY a "lol">]><x>&a;</x>'


async def test_pool_validates_refuses_and_keeps_the_loop_responsive() -> None:
    broken = next(c for c in BROKEN if c.rule == "BR-DE-2")
    async with AsyncXRechnungValidator(workers=1) as pool:
        ticks = 0
        done = asyncio.Event()

        async def tick() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.001)

        ticker = asyncio.create_task(tick())
        started = time.perf_counter()
        reports = await asyncio.gather(*(pool.validate(UBL.read_bytes()) for _ in range(10)))
        elapsed = time.perf_counter() - started
        done.set()
        await ticker
        invalid = await pool.validate(broken.document())
        with pytest.raises(HostileXmlError) as refused:
            await pool.validate(LAUGHS)

    assert all(r.valid for r in reports)
    assert {"BR-DE-2"} == invalid.rule_ids("fatal")
    assert "dtd" == refused.value.reason
    # the loop ran its 1 ms ticker throughout (at least a quarter of the possible ticks)
    assert ticks >= elapsed * 1000 / 4
