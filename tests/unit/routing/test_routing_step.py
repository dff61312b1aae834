"""hub.routing.step: routing within the tenant intake resolved, as a pure function."""

from __future__ import annotations

import pytest

from hub.config import HubConfig
from hub.events.models import InvoiceReceived
from hub.ids import delivery_id
from hub.intake.invoice import document_sha256, parse_invoice, to_invoice
from hub.routing.step import Routed, Unroutable, route_case
from tests.unit.factories import PROJECT_ROOT, envelope, load_example, submitted_event

INVOICE = PROJECT_ROOT / "examples" / "invoices" / "ubl-bensheim-gruenpflege.xml"


def test_application_is_routed_within_the_tenant_of_its_envelope(hub_config: HubConfig) -> None:
    case = submitted_event(load_example("gewerbe-anmelden-bensheim"), "bensheim")

    result = route_case(case, hub_config.tenants, ("hub.applications.submitted", 3, 41))

    assert isinstance(result, Routed)
    rule = hub_config.tenants["bensheim"].routes[0]
    assert sorted(rule.to) == sorted(r.connector for r in result.requests)
    case_id = case.envelope.case_id
    assert {delivery_id(case_id, "bensheim", c) for c in rule.to} == {
        r.delivery_id for r in result.requests
    }
    routed = result.routed
    assert ("bensheim", "hub.applications.submitted", 3, 41) == (
        routed.envelope.tenant, routed.source_topic, routed.source_partition, routed.source_offset,
    )  # fmt: skip
    assert all(r.application == case.application for r in result.requests)


def test_a_tenant_no_longer_configured_is_quarantined_not_guessed(hub_config: HubConfig) -> None:
    case = submitted_event(load_example("gewerbe-anmelden-bensheim"), "lampertheim")

    result = route_case(case, hub_config.tenants)

    assert Unroutable("unknown_tenant", result.detail, "lampertheim") == result  # type: ignore[union-attr]


def test_the_envelope_decides_even_when_the_authority_names_another_tenant(
    hub_config: HubConfig,
) -> None:
    # resolved once, at intake: the router does not re-resolve (and cannot disagree)
    case = submitted_event(load_example("gewerbe-anmelden-bensheim"), "viernheim")

    result = route_case(case, hub_config.tenants)

    assert isinstance(result, Routed)
    assert {"viernheim"} == {r.envelope.tenant for r in result.requests}


@pytest.mark.parametrize("tenant", ["bensheim", "viernheim", "kreis-bergstrasse"])
def test_invoice_goes_to_the_tenants_invoice_targets(hub_config: HubConfig, tenant: str) -> None:
    data = INVOICE.read_bytes()
    header = parse_invoice(data)
    digest = document_sha256(data)
    case = InvoiceReceived(
        envelope=envelope("inv-1", tenant),
        portal="erechnung-gateway",
        invoice=to_invoice(
            header, header.buyer_reference, digest, len(data), f"blob:sha256:{digest}"
        ),
    )

    result = route_case(case, hub_config.tenants)

    assert isinstance(result, Routed)
    invoices = hub_config.tenants[tenant].invoices
    assert invoices is not None
    assert invoices.to == [r.connector for r in result.requests]
    assert all(r.invoice == case.invoice for r in result.requests)


def test_the_routing_decision_names_the_portal(hub_config: HubConfig) -> None:
    case = submitted_event(load_example("gewerbe-anmelden-bensheim"), "bensheim")

    result = route_case(case, hub_config.tenants)

    assert isinstance(result, Routed)
    assert case.application.portal == result.routed.portal
