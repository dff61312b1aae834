"""Explain routing decisions to people: ``hub routes explain`` and ``hub routes list``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pydantic import ValidationError

from hub.config import HubConfig
from hub.config.tenants import Tenant
from hub.ids import application_id, invoice_id
from hub.intake.invoice import InvoiceError, parse_invoice
from hub.intake.submission import Submission, authority_of, to_application
from hub.routing.leitweg import LeitwegError, parse_leitweg_id
from hub.routing.rules import (
    ResponsibilityError,
    RoutingDecision,
    responsible_tenant,
    route,
    route_invoice,
    tenant_for_leitweg_id,
)


@dataclass
class Explanation:
    """Why a document goes where it goes; ``outcome`` is routed, fallback, quarantine or refused."""

    outcome: str
    steps: list[str] = field(default_factory=list)
    tenant: str | None = None
    rule: str | None = None
    targets: list[str] = field(default_factory=list)

    def render(self) -> str:
        """Human-readable, one step per line."""
        lines = [f"- {s}" for s in self.steps]
        lines.append(
            f"=> {self.outcome}" + (f": {', '.join(self.targets)}" if self.targets else "")
        )
        return "\n".join(lines)


def _targets(tenant: Tenant, decision: RoutingDecision) -> list[str]:
    out = []
    for d in decision.deliveries:
        manual = " [manual: media break]" if tenant.connectors[d.connector].is_manual else ""
        out.append(f"{tenant.id}/{d.connector} ({d.connector_kind}){manual}")
    return out


def _finish(exp: Explanation, tenant: Tenant, decision: RoutingDecision) -> Explanation:
    exp.rule = decision.rule
    exp.targets = _targets(tenant, decision)
    if not decision.deliveries:
        exp.steps.append("no rule matches and the tenant has no fallback")
        exp.outcome = "quarantine (no_route)"
    elif decision.reason == "no_route":
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
    app = to_application(submission, [f"blob:sha256:{a.sha256}" for a in submission.attachments])
    return _finish(exp, tenant, route(case_id, app, tenant))


def explain_invoice(raw: bytes, config: HubConfig) -> Explanation:
    """How an XRechnung document would be routed, or why intake would refuse it."""
    try:
        header = parse_invoice(raw)
    except InvoiceError as exc:
        return Explanation("refused", [f"intake refuses it ({exc.kind}): {exc}"])
    exp = Explanation(
        "routed", [f"{header.syntax.upper()} {header.document_type} {header.invoice_number}"]
    )
    try:
        leitweg = parse_leitweg_id(header.buyer_reference)
    except LeitwegError as exc:
        exp.steps.append(f"BT-10 {header.buyer_reference!r}: {exc}")
        exp.outcome = "refused at intake (422 invalid_leitweg_id)"
        return exp
    try:
        tenant = tenant_for_leitweg_id(leitweg, config.tenants)
    except ResponsibilityError as exc:
        exp.steps.append(exc.detail)
        exp.outcome = f"refused at intake (422 {exc.reason})"
        return exp
    prefix = max((p for p in tenant.leitweg_ids if leitweg.grob.startswith(p)), key=len)
    exp.tenant = tenant.id
    exp.steps.append(f"Leitweg-ID {leitweg}: longest prefix {prefix} -> tenant {tenant.id}")
    if tenant.invoices:
        exp.steps.append(f"invoices -> {', '.join(tenant.invoices.to)}")
    case_id = invoice_id(header.seller_key, header.invoice_number, header.issue_date.isoformat())
    return _finish(exp, tenant, route_invoice(case_id, tenant))


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
                f"{c} ({t.connectors[c].kind}{', manual' if t.connectors[c].is_manual else ''})"
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
