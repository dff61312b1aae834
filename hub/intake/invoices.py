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
from collections.abc import Callable, Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

import structlog

from hub.config import ConfigError
from hub.config.loader import ConfigProblem
from hub.config.tenants import Tenant
from hub.events.models import INVOICE_SERVICE, AttachmentRef, Envelope, Event, InvoiceReceived
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
from hub.ids import invoice_id
from hub.intake.accept import Accepted, NewCase
from hub.intake.invoice import (
    InvoiceError,
    InvoiceHeader,
    InvoiceRoute,
    document_sha256,
    header_of,
    read_invoice,
    route_invoice,
    to_invoice,
)
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


def _unavailable() -> Problem:
    return Problem(
        503,
        "validation_unavailable",
        "The e-invoice cannot be validated right now",
        "nothing was stored; retry later",
        headers={"Retry-After": "10"},
    )


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
        raise _unavailable() from None
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


def invoice_problem(exc: InvoiceError) -> Problem:
    """The answer to a document refused by parsing, structure or routing."""
    status = 400 if exc.kind == "malformed_xml" else 422
    title = (
        "No partner receives invoices for this BT-10"
        if exc.kind == "unroutable_invoice"
        else "The e-invoice cannot be taken"
    )
    errors = [{"field": exc.field, "detail": str(exc)}] if exc.field else []
    return Problem(status, exc.kind, title, str(exc), errors)


@dataclass(frozen=True)
class CheckedInvoice:
    """An invoice that passed every check: what accepting it needs."""

    document: bytes
    header: InvoiceHeader
    route: InvoiceRoute
    report: ValidationReport


async def check_invoice(
    document: bytes,
    tenants: Mapping[str, Tenant],
    validator: InvoiceValidator | None,
    metrics: HubMetrics,
    check_portal: Callable[[str], None],
) -> CheckedInvoice:
    """After the signature, in order: safe parsing and structure, BT-10 routing and the
    portal's right to deliver there (``check_portal(tenant id)`` raises), the official
    validation, the header; raises :class:`Problem`. Nothing is stored here."""
    try:
        parsed = read_invoice(document)
        buyer_reference = parsed.value("BT-10")
        # without BT-10 there is nowhere to route; the rules say what else is wrong
        route = route_invoice(buyer_reference, tenants) if buyer_reference else None
    except InvoiceError as exc:
        raise invoice_problem(exc) from None
    if route is not None:
        check_portal(route.tenant.id)
    if validator is None:  # only before start-up finished or after shutdown began
        raise _unavailable()
    routed = (route.tenant.id, route.prefix) if route is not None else None
    report = await validate_invoice(validator, document, metrics, routed)
    try:
        header = header_of(parsed)
    except InvoiceError as exc:
        raise invoice_problem(exc) from None
    if not (route is not None):  # a valid XRechnung has BT-10 (BR-DE-15)
        raise RuntimeError("invariant broken: route is not None")
    return CheckedInvoice(document, header, route, report)


def invoice_case(checked: CheckedInvoice, portal: str, topic: str) -> NewCase:
    """What the acceptor stores and produces: the XML and the report, then the event."""
    header, route, body = checked.header, checked.route, checked.document
    tenant = route.tenant.id
    case_id = invoice_id(header.seller_key, header.invoice_number, header.issue_date.isoformat())
    digest, report_json = document_sha256(body), report_document(checked.report)
    report_sha = document_sha256(report_json)

    def event(uris: list[str]) -> Event:
        validation = report_ref(report_json, report_sha, uris[1])
        return InvoiceReceived(
            envelope=Envelope(case_id=case_id, tenant=tenant, correlation_id=case_id),
            portal=portal,
            invoice=to_invoice(
                header, route.leitweg_id, digest, len(body), uris[0], validation=validation
            ),
        )

    return NewCase(
        case_id=case_id,
        kind="invoice",
        portal=portal,
        tenant=tenant,
        service=INVOICE_SERVICE,
        fingerprint=digest,
        documents=[(digest, body), (report_sha, report_json)],
        topic=topic,
        build_event=event,
        conflict_detail=f"invoice {header.invoice_number!r} of {header.issue_date} from "
        "this seller was accepted before with different content",
    )


def invoice_receipt(
    checked: CheckedInvoice, accepted: Accepted, metrics: HubMetrics
) -> dict[str, Any]:
    """The receipt with ``warnings[]`` (the rules' warnings, a BT-10 note); counts a new
    invoice as valid on its first pass."""
    route = checked.route
    if accepted.status == 202:
        _count(metrics, route.tenant.id, route.prefix, "valid")
    receipt: dict[str, Any] = dict(accepted.receipt.public())
    warnings = [finding_entry(f) for f in checked.report.findings if f.severity == "warning"]
    if route.note:
        warnings.insert(0, {"field": "BT-10", "severity": "warning", "detail": route.note})
    if warnings:
        receipt["warnings"] = warnings
    return receipt
