"""Explain routing decisions to people: ``hub routes explain`` and ``hub routes list``.

An explanation takes the path a real document takes: intake's own checks decide
whether it would be accepted and which tenant is responsible, then the router's
own step (:func:`hub.routing.step.route_case`) decides where it goes. With
:func:`render_targets` each target connector renders what it would be handed
(``hub routes explain --render``); nothing is sent.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from hub.config import HubConfig
from hub.config.tenants import Tenant
from hub.connectors.procedure_rest import render_preview
from hub.delivery.connector import build_connector, is_digital
from hub.delivery.documents import Document, HandoverReceipt
from hub.delivery.errors import DeliveryError
from hub.events.models import ApplicationSubmitted, DeliveryRequested, Envelope, InvoiceReceived
from hub.formats.xrechnung import RulesNotFoundError, XRechnungError, XRechnungValidator
from hub.ids import application_id, invoice_id
from hub.intake.invoice import (
    InvoiceError,
    document_sha256,
    header_of,
    read_invoice,
    route_invoice,
    to_invoice,
)
from hub.intake.submission import Submission, authority_of, to_application
from hub.routing.rules import ResponsibilityError, responsible_tenant
from hub.routing.step import Routed, route_case


@dataclass
class Explanation:
    """Why a document goes where it goes; ``outcome`` is routed, fallback, quarantine or refused."""

    outcome: str
    steps: list[str] = field(default_factory=list)
    tenant: str | None = None
    rule: str | None = None
    targets: list[str] = field(default_factory=list)
    #: what the router would request, and the bytes of the case's attachments by sha256
    requests: list[DeliveryRequested] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        """Intake would refuse the document."""
        return self.outcome.startswith("refused")

    def render(self) -> str:
        """Human-readable, one step per line."""
        lines = [f"- {s}" for s in self.steps]
        lines.append(
            f"=> {self.outcome}" + (f": {', '.join(self.targets)}" if self.targets else "")
        )
        return "\n".join(lines)


def _finish(
    exp: Explanation,
    tenant: Tenant,
    case: ApplicationSubmitted | InvoiceReceived,
    config: HubConfig,
) -> Explanation:
    result = route_case(case, config.tenants)
    if not isinstance(result, Routed):
        exp.steps.append("no rule matches and the tenant has no fallback")
        exp.outcome = f"quarantine ({result.reason})"
        return exp
    exp.rule = result.routed.rule
    exp.requests = list(result.requests)
    for d in result.requests:
        manual = "" if is_digital(d.connector_kind) else " [manual: media break]"
        exp.targets.append(f"{tenant.id}/{d.connector} ({d.connector_kind}){manual}")
    if result.routed.reason == "no_route":
        exp.steps.append(f"no rule matches: fallback connector {tenant.fallback}")
        exp.outcome = "fallback (media break, no_route)"
    return exp


def explain_application(raw: bytes, config: HubConfig) -> Explanation:
    """How a submission JSON would be routed, or why intake would refuse it."""
    try:
        submission = Submission.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[:3]
        return Explanation("refused", [f"intake refuses it (400/422): {' '.join(first)}"])
    service, auth = submission.service.leikaId, submission.authority
    exp = Explanation("routed", [f"service {service} ({submission.service.name})"])
    area = f"ARS {auth.ars}" if auth.ars else f"AGS {auth.ags}" if auth.ags else "no area key"
    try:
        tenant = responsible_tenant(authority_of(submission), service, config.tenants)
    except ResponsibilityError as exc:
        exp.steps.append(f"authority {auth.name!r} ({area}): {exc.detail}")
        exp.outcome = f"refused at intake (422 {exc.reason})"
        return exp
    exp.tenant = tenant.id
    how = area if tenant.has_area else f"no area key; {tenant.id} names service {service}"
    exp.steps.append(f"authority {auth.name!r} ({how}) -> tenant {tenant.id}")
    portal = config.portals.get(submission.portal)
    if portal is None or tenant.id not in portal.tenants:
        exp.steps.append(f"portal {submission.portal!r} may not submit for {tenant.id} (403)")
        exp.outcome = "refused at intake (403)"
        return exp
    for i, rule in enumerate(tenant.routes):
        matched = rule.service in (service, "*")
        verdict = "matches" if matched else "does not match"
        exp.steps.append(f"routes[{i}] {rule.label} (service {rule.service}): {verdict}")
        if matched:
            break
    case_id = application_id(submission.portal, submission.submissionId)
    for a in submission.attachments:
        try:
            exp.blobs[a.sha256] = base64.b64decode(a.contentBase64, validate=True)
        except (binascii.Error, ValueError):
            exp.blobs[a.sha256] = b""
    app = to_application(submission, [f"blob:sha256:{a.sha256}" for a in submission.attachments])
    envelope = Envelope(case_id=case_id, tenant=tenant.id, correlation_id=case_id)
    return _finish(exp, tenant, ApplicationSubmitted(envelope=envelope, application=app), config)


@functools.cache
def _validator() -> XRechnungValidator | None:
    """The official rules, compiled once per process (None when they were not fetched)."""
    try:
        return XRechnungValidator()
    except RulesNotFoundError:
        return None


def _validation_step(raw: bytes, validator: XRechnungValidator | None) -> str | None:
    """None when the rules pass ``raw``; else why intake refuses it (as intake would say)."""
    if validator is None:
        return None
    try:
        report = validator.validate(raw)
    except XRechnungError as exc:
        return f"intake refuses it (422 {exc.kind}): {exc}"
    if report.valid:
        return None
    rules = ", ".join(sorted(report.rule_ids("fatal")))
    return f"intake refuses it (422 invalid_invoice): {report.rules} found {rules}"


def explain_invoice(
    raw: bytes, config: HubConfig, validator: XRechnungValidator | None = None
) -> Explanation:
    """How an XRechnung document would be routed, or why intake would refuse it: the same
    parsing, BT-10 routing (:func:`~hub.intake.invoice.route_invoice`) and official validation
    intake runs. ``validator`` defaults to one built from the fetched rules; without them the
    validation step says it was skipped."""
    try:
        parsed = read_invoice(raw)
        buyer_reference = parsed.value("BT-10")
        route = route_invoice(buyer_reference, config.tenants) if buyer_reference else None
    except InvoiceError as exc:
        status = 400 if exc.kind == "malformed_xml" else 422
        return Explanation(f"refused at intake ({status} {exc.kind})", [str(exc)])
    validator = validator or _validator()
    refusal = _validation_step(raw, validator)
    exp = Explanation("routed", [f"{parsed.syntax.upper()} {parsed.document_type}"])
    if route is None:
        exp.steps.append("BT-10 (buyer reference) is missing: nowhere to route (BR-DE-15)")
        exp.outcome = "refused at intake (422 invalid_invoice)"
        return exp
    exp.tenant = route.tenant.id
    exp.steps.append(
        f"BT-10 {route.leitweg_id}: longest prefix {route.prefix} -> tenant {route.tenant.id}"
    )
    if route.note:
        exp.steps.append(route.note)
    if refusal is not None:
        exp.steps.append(refusal)
        exp.outcome = f"refused at intake ({refusal.split('(', 1)[1].split(')', 1)[0]})"
        return exp
    exp.steps.append(
        "official XRechnung rules: passed"
        if validator is not None
        else "official XRechnung rules: not checked (run scripts/xrechnung.sh fetch)"
    )
    try:
        header = header_of(parsed)
    except InvoiceError as exc:
        exp.steps.append(f"intake refuses it ({exc.kind}): {exc}")
        exp.outcome = f"refused at intake (422 {exc.kind})"
        return exp
    tenant = route.tenant
    if tenant.invoices:
        exp.steps.append(f"invoices -> {', '.join(tenant.invoices.to)}")
    case_id = invoice_id(header.seller_key, header.invoice_number, header.issue_date.isoformat())
    digest = document_sha256(raw)
    exp.blobs[digest] = raw
    invoice = to_invoice(header, route.leitweg_id, digest, len(raw), f"blob:sha256:{digest}")
    envelope = Envelope(case_id=case_id, tenant=tenant.id, correlation_id=case_id)
    case = InvoiceReceived(envelope=envelope, portal="", invoice=invoice)
    return _finish(exp, tenant, case, config)


class _NotSending:
    """The transport of a connector built only to render (nothing may leave)."""

    def send(self, document: Document, delivery_id: str) -> HandoverReceipt:
        raise NotImplementedError("built to preview only")


#: base64 contents longer than this are shown by their length (attachments are megabytes)
_SHOWN_BASE64 = 120


def _shorten(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: f"<{len(v)} characters of base64>"
            if k == "contentBase64" and isinstance(v, str) and len(v) > _SHOWN_BASE64
            else _shorten(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


def describe_document(content: bytes) -> list[str]:
    """A rendered document for people, its kind and size first: JSON and XML as text (long
    base64 shortened to its length), ZIP archives as their entries and sizes, PDF and other
    binary documents by their size only."""
    size = f"{len(content)} bytes"
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
        width = max((len(str(e.file_size)) for e in entries), default=1)
        return [f"ZIP, {size}, {len(entries)} entries:"] + [
            f"{e.file_size:>{width}}  {e.filename}" for e in entries
        ]
    if content[:5] == b"%PDF-":
        return [f"PDF, {size}"]
    stripped = content.lstrip()
    if stripped[:1] in (b"{", b"["):
        shown = json.dumps(_shorten(json.loads(content)), ensure_ascii=False, indent=2)
        return [f"JSON, {size}:", *shown.splitlines()]
    if stripped[:1] == b"<":
        return [f"XML, {size}:", *content.decode("utf-8", errors="replace").splitlines()]
    return [f"{size} of binary data"]


def render_targets(exp: Explanation, config: HubConfig) -> tuple[list[str], bool]:
    """What every target of ``exp`` would receive, as lines; and whether any would refuse it
    (a mapping that fails, a case a connector cannot render, a connector that cannot be built)."""
    lines: list[str] = []
    refused = False
    tenant = config.tenants.get(exp.tenant or "")
    for request in exp.requests:
        where = f"{request.envelope.tenant}/{request.connector} ({request.connector_kind})"
        try:
            if not (tenant is not None):  # requests exist only for a configured tenant
                raise RuntimeError("invariant broken: tenant is not None")
            connector = build_connector(tenant, request.connector, transport=_NotSending())
            content = render_preview(request, connector, exp.blobs)
        except DeliveryError as exc:
            refused = True
            lines.append(f"--- {where}: would refuse it ({exc.reason}): {exc.message}")
            continue
        described = describe_document(content)
        lines.append(f"--- {where}: {described[0]}")
        lines += [f"    {line}" for line in described[1:]]
    return lines, refused


def explain(raw: bytes, config: HubConfig) -> Explanation:
    """Explain a submission (JSON) or an e-invoice (XML), told apart by their first byte."""
    if raw.lstrip()[:1] == b"<":
        return explain_invoice(raw, config)
    return explain_application(raw, config)


def route_table(config: HubConfig) -> list[tuple[str, str, str, str]]:
    """(tenant, rule, matches, targets) for every rule of every tenant, in evaluation order."""
    rows = []
    for tenant in sorted(config.tenants.values(), key=lambda t: t.id):

        def targets(ids: list[str], t: Tenant = tenant) -> str:
            return ", ".join(
                f"{c} ({t.connectors[c].kind}"
                f"{'' if is_digital(t.connectors[c].kind) else ', manual'})"
                for c in ids
            )

        for rule in tenant.routes:
            rows.append((tenant.id, rule.label, f"service {rule.service}", targets(rule.to)))
        if tenant.invoices:
            prefixes = ", ".join(tenant.leitweg_ids) or "-"
            rows.append(
                (
                    tenant.id,
                    tenant.invoices.name,
                    f"Leitweg {prefixes}",
                    targets(tenant.invoices.to),
                )
            )
        if tenant.fallback:
            rows.append((tenant.id, "fallback", "anything else", targets([tenant.fallback])))
    return rows
