"""The official XRechnung validation at intake: one validator per process, and what its
outcome answers and counts.

Intake validates every e-invoice it routed with the rules KoSIT's validator runs
(:mod:`hub.formats.xrechnung`) before it stores anything. Validation runs in one worker
process (:class:`~hub.formats.xrechnung.AsyncXRechnungValidator`, ``workers=1``): Saxon
holds the GIL, so it never runs on the event loop or in a thread. The pool is built once per
process at start-up; a worker that dies (``BrokenProcessPool``) makes that request a ``503``
(the supplier retries, nothing was stored) and the pool is rebuilt for the next one.

Answers: fatal findings refuse the invoice with ``422 invalid_invoice`` and every fatal
finding in ``errors[]`` (``rule_id``, ``severity``, ``location``, ``detail`` = the rule's
text); warnings never refuse and travel in the receipt. Metrics: first-pass validity per
tenant and matched Leitweg-ID prefix, the fatal rule ids of refused invoices, validation
seconds.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Literal, Protocol, get_args

import structlog

from hub.config import ConfigError
from hub.config.loader import ConfigProblem
from hub.events.models import AttachmentRef
from hub.formats.xrechnung import (
    SPECIFICATIONS,
    AsyncXRechnungValidator,
    Finding,
    RulesNotFoundError,
    UnsupportedSpecificationError,
    ValidationReport,
    XRechnungError,
)
from hub.formats.xrechnung.rules import Syntax, rule_set
from hub.intake.problems import Problem
from hub.metrics import HubMetrics

log = structlog.get_logger("hub.intake")

RULES_DIR_SETTING = "HUB_XRECHNUNG_RULES_DIR"
Outcome = Literal["valid", "invalid", "unsupported"]


class InvoiceValidator(Protocol):
    """Validates one document off the event loop (the pool, or a test's stand-in)."""

    async def validate(self, document: bytes) -> ValidationReport:
        """The report; raises what :meth:`XRechnungValidator.validate` raises, or
        ``BrokenProcessPool`` when the worker died."""
        ...


def check_rules_dir(rules_dir: Path) -> None:
    """Raise :class:`~hub.config.ConfigError` naming the setting and the fetch script when
    a rule file of a supported specification is missing."""
    try:
        for specification in SPECIFICATIONS:
            for syntax in get_args(Syntax):
                rule_set(rules_dir, specification, syntax)
    except RulesNotFoundError as exc:
        raise ConfigError(
            [
                ConfigProblem(
                    RULES_DIR_SETTING,
                    str(rules_dir),
                    f"the XRechnung rules are missing ({exc}); run 'scripts/xrechnung.sh fetch' "
                    f"or point {RULES_DIR_SETTING} at a fetched rules directory",
                )
            ]
        ) from None


class IntakeValidator:
    """The process's one validation pool (``workers=1``), rebuilt after a worker died."""

    def __init__(self, rules_dir: Path) -> None:
        check_rules_dir(rules_dir)
        self.rules_dir = rules_dir
        self._pool = AsyncXRechnungValidator(rules_dir, workers=1)

    async def start(self) -> None:
        """Start the worker and wait until its rules are compiled (a few seconds)."""
        await self._pool.start()

    async def validate(self, document: bytes) -> ValidationReport:
        """Validate in the worker; a dead worker raises ``BrokenProcessPool`` once, and the
        next call gets a fresh pool."""
        pool = self._pool
        try:
            return await pool.validate(document)
        except BrokenProcessPool:
            if pool is self._pool:
                log.warning("intake.validator_restarted")
                self._pool = AsyncXRechnungValidator(self.rules_dir, workers=1)
                await asyncio.to_thread(pool.close)
            raise

    async def close(self) -> None:
        """Stop the worker."""
        await asyncio.to_thread(self._pool.close)


def finding_entry(finding: Finding) -> dict[str, str]:
    """A finding as an ``errors[]`` / ``warnings[]`` entry of intake's answers."""
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity,
        "location": finding.location,
        "detail": finding.text,
    }


def _count(metrics: HubMetrics, tenant: str, prefix: str, outcome: Outcome) -> None:
    metrics.invoices_validated.labels(tenant, prefix, outcome).inc()


def count_valid(metrics: HubMetrics, tenant: str, prefix: str) -> None:
    """A new invoice passed on its first submission (repeats are not counted again)."""
    _count(metrics, tenant, prefix, "valid")


async def validate_invoice(
    validator: InvoiceValidator,
    document: bytes,
    metrics: HubMetrics,
    routed: tuple[str, str] | None,
) -> ValidationReport:
    """Validate ``document`` of the ``(tenant, prefix)`` it was routed to (None: BT-10 is
    missing, so it is validated for its findings only); raises :class:`Problem` for an
    invalid document (422), an unsupported specification (422) or a dead worker (503)."""
    started = time.perf_counter()
    try:
        report = await validator.validate(document)
    except BrokenProcessPool:
        log.warning("intake.validator_crashed")
        raise Problem(
            503,
            "validation_unavailable",
            "The e-invoice cannot be validated right now",
            "nothing was stored; retry later",
            headers={"Retry-After": "10"},
        ) from None
    except UnsupportedSpecificationError as exc:
        if routed is not None:
            _count(metrics, *routed, "unsupported")
        raise Problem(
            422,
            exc.kind,
            "The e-invoice is not of a supported specification",
            str(exc),
            errors=[{"field": "BT-24", "detail": str(exc)}],
        ) from None
    except XRechnungError as exc:  # intake's own checks passed it, so this is rare
        status = 400 if exc.kind == "malformed_xml" else 422
        raise Problem(status, exc.kind, "The e-invoice cannot be taken", str(exc)) from None
    metrics.invoice_validation_seconds.observe(time.perf_counter() - started)
    if report.valid:
        return report
    for rule in sorted(report.rule_ids("fatal")):
        metrics.invoice_rule_violations.labels(rule).inc()
    if routed is not None:
        _count(metrics, *routed, "invalid")
    fatal = report.fatal
    log.info("intake.invoice_invalid", rules=sorted(report.rule_ids("fatal")), fatal=len(fatal))
    raise Problem(
        422,
        "invalid_invoice",
        "The e-invoice breaks the XRechnung rules",
        f"{len(fatal)} fatal finding(s) against {report.rules}; errors[] lists each",
        errors=[finding_entry(f) for f in fatal],
    )


def warnings_of(report: ValidationReport) -> list[dict[str, str]]:
    """The report's warnings as receipt entries."""
    return [finding_entry(f) for f in report.findings if f.severity == "warning"]


def report_document(report: ValidationReport) -> bytes:
    """The report as finance receives it: JSON, the same bytes for the same findings (no
    timing), so a retried request stores no second blob."""
    data = report.to_json()
    del data["seconds"]
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


def report_ref(data: bytes, sha256: str, uri: str) -> AttachmentRef:
    """The event's reference to the stored report."""
    return AttachmentRef(
        attachment_id="validation",
        filename="validation.json",
        media_type="application/json",
        size=len(data),
        sha256=sha256,
        uri=uri,
    )
