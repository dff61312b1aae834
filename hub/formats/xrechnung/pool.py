"""Validation off the event loop: worker processes, each with its rules compiled once.

Why processes and not a thread: saxonche holds the GIL through every transformation, so
validating in a thread (``asyncio.to_thread``) freezes the event loop for as long as the
validation runs (measured in ``bench/xrechnung_validation.py``: the loop's longest stall
equals the validation time). In a worker process the loop stays free, a crash of the native
code takes down a worker and not the hub, and memory is bounded per worker.

Each worker is started with ``spawn`` (Saxon's native runtime must not be forked), compiles
the stylesheets once in its initializer, and then validates. At most ``max_pending``
documents are handed to the pool at once; further callers wait, so the bytes held for
validation stay bounded. Errors that refuse a document (:mod:`hub.formats.xrechnung.errors`)
reach the caller unchanged; a dead worker surfaces as
``concurrent.futures.process.BrokenProcessPool`` (a transient error: answer 503).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import TracebackType

from hub.formats.xrechnung.report import ValidationReport
from hub.formats.xrechnung.rules import default_rules_dir
from hub.formats.xrechnung.validator import XRechnungValidator

_worker_validator: XRechnungValidator | None = None


def _start_worker(rules_dir: str) -> None:
    global _worker_validator  # noqa: PLW0603 (one validator per worker process, by design)
    _worker_validator = XRechnungValidator(Path(rules_dir))


def _validate(document: bytes) -> ValidationReport:
    if not (_worker_validator is not None):
        raise RuntimeError("invariant broken: worker initializer did not run")
    return _worker_validator.validate(document)


def _ready() -> bool:
    return _worker_validator is not None


class AsyncXRechnungValidator:
    """``await validate(document)`` in a pool of ``workers`` processes.

    Use as ``async with AsyncXRechnungValidator() as validator: ...`` or call
    :meth:`start` and :meth:`close`. :meth:`start` starts the workers and waits until they
    have compiled their rules (about 2-3 s), so the first invoice is not slow.
    """

    def __init__(
        self,
        rules_dir: Path | None = None,
        workers: int = 1,
        max_pending: int | None = None,
        max_tasks_per_worker: int | None = None,
    ) -> None:
        self.rules_dir = rules_dir or default_rules_dir()
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(str(self.rules_dir),),
            max_tasks_per_child=max_tasks_per_worker,
        )
        self._slots = asyncio.Semaphore(max_pending or 2 * workers)

    async def start(self) -> None:
        """Start the workers and wait until they answer (their rules are compiled then)."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._pool, _ready) for _ in range(self.workers))
        )

    async def validate(self, document: bytes) -> ValidationReport:
        """Validate ``document`` in a worker; raises what :meth:`XRechnungValidator.validate`
        raises."""
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, _validate, document)

    def close(self) -> None:
        """Stop the workers (waits for running validations)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    async def __aenter__(self) -> AsyncXRechnungValidator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)
