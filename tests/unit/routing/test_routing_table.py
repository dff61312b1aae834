"""Routing decisions: table-driven over the shipped partners, properties over generated ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.config import HubConfig
from hub.config.tenants import ConnectorConfig, DirectoryTransport, InvoiceRoute, Route, Tenant
from hub.events.models import Applicant, ApplicantType, Application, Authority, Service
from hub.ids import delivery_id
from hub.routing.leitweg import LeitwegError, check_digits, parse_leitweg_id
from hub.routing.rules import (
    ResponsibilityError,
    responsible_tenant,
    route,
    route_invoice,
    tenant_for_leitweg_id,
)

VIERNHEIM = Authority(name="Stadt Viernheim", ags="06431020", ars="064310020020")
BENSHEIM = Authority(name="Stadt Bensheim", ags="06431002", ars="064310002002")
KREIS = Authority(name="Kreis Bergstraße", ags="06431000", ars="064310000000")
MRN = Authority(name="Metropolregion Rhein-Neckar GmbH")


def application(authority: Authority, service: str) -> Application:
    return Application(
        portal="civento-hessen",
        submission_id="S-1",
        submitted_at=datetime(2026, 11, 20, tzinfo=UTC),
        service=Service(leika_id=service, name="x"),
        authority=authority,
        applicant=Applicant(type=ApplicantType.person, given_name="A", family_name="B"),
        form_data_json="{}",
    )


# (authority, service) -> (tenant, rule, connectors in order)
SHIPPED = [
    (BENSHEIM, "99050012104000", "bensheim", "gewerbe-anmelden", ["gewerbe", "dms"]),
    (BENSHEIM, "99115005104000", "bensheim", "everything-else", ["dms", "clerk"]),
    (VIERNHEIM, "99027002012000", "viernheim", "geburtsurkunde", ["standesamt"]),
    (VIERNHEIM, "99101004012000", "viernheim", "sterbeurkunde", ["dms"]),
    (VIERNHEIM, "99102013104000", "viernheim", "hundesteuer", ["steuer", "dms"]),
    (VIERNHEIM, "99108001001000", "viernheim", "everything-else", ["dms", "clerk"]),
    (KREIS, "99012070006000", "kreis-bergstrasse", "baugenehmigung", ["bauaufsicht", "dms"]),
    (KREIS, "99050012104000", "kreis-bergstrasse", "everything-else", ["dms", "clerk"]),
    (MRN, "99000000000001", "mrn", "ehrenamtskarte", ["ehrenamt"]),
    # only the AGS given: still the same tenant
    (Authority(name="Stadt Bensheim", ags="06431002"), "99050012104000", "bensheim", "gewerbe-anmelden", ["gewerbe", "dms"]),
]  # fmt: skip


@pytest.mark.parametrize(("authority", "service", "tenant", "rule", "targets"), SHIPPED)
def test_shipped_configuration_routes_each_case_by_service_and_area(
    hub_config: HubConfig,
    authority: Authority,
    service: str,
    tenant: str,
    rule: str,
    targets: list[str],
) -> None:
    responsible = responsible_tenant(authority, service, hub_config.tenants)
    decision = route("case-1", application(authority, service), responsible)

    assert (tenant, rule) == (decision.tenant, decision.rule)
    assert targets == [d.connector for d in decision.deliveries]
    assert [delivery_id("case-1", tenant, c) for c in targets] == [
        d.delivery_id for d in decision.deliveries
    ]
    assert decision.reason is None


@pytest.mark.parametrize(
    ("authority", "service", "reason"),
    [
        (Authority(name="Stadt Heppenheim", ags="06431010", ars="064310010010"), "99050012104000", "unknown_authority"),
        (Authority(name="Kreis", ags="06431"), "99050012104000", "unknown_authority"),  # a Kreis prefix is no match
        (MRN, "99050012104000", "unknown_authority"),  # the MRN does not offer Gewerbe
    ],
)  # fmt: skip
def test_authority_of_no_tenant_is_not_responsible(
    hub_config: HubConfig, authority: Authority, service: str, reason: str
) -> None:
    with pytest.raises(ResponsibilityError) as info:
        responsible_tenant(authority, service, hub_config.tenants)
    assert reason == info.value.reason


def test_kreis_key_never_matches_one_of_its_municipalities(hub_config: HubConfig) -> None:
    for authority in (VIERNHEIM, BENSHEIM):
        tenant = responsible_tenant(authority, "99050012104000", hub_config.tenants)
        assert "kreis-bergstrasse" != tenant.id


def _tenant(**kwargs: object) -> Tenant:
    base: dict[str, object] = {
        "id": "testort",
        "name": "Testort",
        "ags": "06999001",
        "connectors": {
            "dms": ConnectorConfig(kind="dms.xdomea", transport=DirectoryTransport(type="directory", path="d")),
            "clerk": ConnectorConfig(kind="manual.mailbox", transport=DirectoryTransport(type="directory", path="c")),
        },
    }  # fmt: skip
    base.update(kwargs)
    return Tenant.model_validate(base)


def test_no_matching_rule_goes_to_the_fallback_as_a_media_break() -> None:
    tenant = _tenant(routes=[Route(service="99050012104000", to=["dms"])], fallback="clerk")

    decision = route(
        "c", application(Authority(name="T", ags="06999001"), "99102013104000"), tenant
    )

    assert ("fallback", "no_route", ["clerk"]) == (
        decision.rule,
        decision.reason,
        [d.connector for d in decision.deliveries],
    )


def test_no_matching_rule_and_no_fallback_means_no_target() -> None:
    tenant = _tenant(routes=[Route(service="99050012104000", to=["dms"])])

    decision = route(
        "c", application(Authority(name="T", ags="06999001"), "99102013104000"), tenant
    )

    assert ((), "no_route") == (decision.deliveries, decision.reason)


def test_first_matching_rule_wins_and_a_connector_named_twice_is_delivered_once() -> None:
    tenant = _tenant(
        routes=[
            Route(name="specific", service="99050012104000", to=["dms", "dms", "clerk"]),
            Route(name="rest", service="*", to=["clerk"]),
        ]
    )

    decision = route(
        "c", application(Authority(name="T", ags="06999001"), "99050012104000"), tenant
    )

    assert ("specific", ["dms", "clerk"]) == (
        decision.rule,
        [d.connector for d in decision.deliveries],
    )


@pytest.mark.parametrize(
    "value",
    ["991-33333TEST-33", "04011000-1234512345-06", "992-90009-96", "064310002002-FINANZEN-59"],
)
def test_valid_leitweg_ids_parse(value: str) -> None:
    assert value == str(parse_leitweg_id(value))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("991-33333TEST-34", "check_digits"),
        ("064310002002-FINANZEN-95", "check_digits"),
        ("06431", "format"),
        ("0-ABC-12", "format"),  # Grobadressierung needs 2 digits
        ("991-" + "A" * 31 + "-00", "format"),  # Feinadressierung at most 30
        ("991-33333TE_T-33", "format"),
    ],
)
def test_invalid_leitweg_ids_are_refused_with_a_reason(value: str, reason: str) -> None:
    with pytest.raises(LeitwegError) as info:
        parse_leitweg_id(value)
    assert reason == info.value.reason


@given(grob=st.from_regex(r"\A\d{2,12}\Z"), fein=st.none() | st.from_regex(r"\A[A-Z0-9]{1,30}\Z"))
def test_computed_check_digits_always_give_a_valid_leitweg_id(grob: str, fein: str | None) -> None:
    value = "-".join(p for p in (grob, fein, check_digits(grob, fein)) if p)
    assert value == str(parse_leitweg_id(value))


def test_invoice_goes_to_the_tenant_with_the_longest_matching_prefix() -> None:
    kreis = _tenant(id="kreis", ags="06999000", leitweg_ids=["06999"])
    ort = _tenant(id="ort", ags="06999001", leitweg_ids=["069990010010"])
    tenants = {"kreis": kreis, "ort": ort}
    own = parse_leitweg_id(f"069990010010-KASSE-{check_digits('069990010010', 'KASSE')}")
    other = parse_leitweg_id(f"069990020020-KASSE-{check_digits('069990020020', 'KASSE')}")

    assert "ort" == tenant_for_leitweg_id(own, tenants).id
    assert "kreis" == tenant_for_leitweg_id(other, tenants).id
    with pytest.raises(ResponsibilityError) as info:
        tenant_for_leitweg_id(parse_leitweg_id("991-33333TEST-33"), tenants)
    assert "unknown_leitweg_id" == info.value.reason


def test_invoice_route_uses_invoices_then_fallback_then_nothing() -> None:
    assert ["clerk"] == [
        d.connector
        for d in route_invoice("c", _tenant(invoices=InvoiceRoute(to=["clerk"]))).deliveries
    ]
    via_fallback = route_invoice("c", _tenant(fallback="clerk"))
    assert ("no_route", ["clerk"]) == (
        via_fallback.reason,
        [d.connector for d in via_fallback.deliveries],
    )
    assert () == route_invoice("c", _tenant()).deliveries


# --- properties over generated configurations -------------------------------------------------

SERVICES = ["99050012104000", "99102013104000", "99027002012000", "99012070006000"]


@st.composite
def tenant_sets(draw: st.DrawFn) -> dict[str, Tenant]:
    count = draw(st.integers(1, 5))
    tenants = {}
    for i in range(count):
        connectors = {
            f"c{j}": ConnectorConfig(
                kind=draw(st.sampled_from(["dms.xdomea", "manual.mailbox"])),
                transport=DirectoryTransport(type="directory", path=f"t{i}/c{j}"),
            )
            for j in range(draw(st.integers(1, 3)))
        }
        ids = sorted(connectors)
        routes = [
            Route(service=s, to=draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3)))
            for s in draw(st.lists(st.sampled_from([*SERVICES, "*"]), unique=True, max_size=3))
        ]
        has_area = i > 0 or draw(st.booleans())
        tenants[f"t{i}"] = Tenant(
            id=f"t{i}",
            name=f"T{i}",
            ags=f"0699{i:04d}" if has_area else None,
            connectors=connectors,
            routes=routes,
            fallback=draw(st.none() | st.sampled_from(ids)),
        )
    return tenants


@settings(max_examples=200, deadline=None)
@given(
    tenants=tenant_sets(),
    area=st.none() | st.sampled_from([f"0699{i:04d}" for i in range(7)]),
    service=st.sampled_from(SERVICES),
    case_id=st.uuids().map(str),
)
def test_a_case_only_ever_reaches_connectors_of_its_responsible_tenant_and_routing_is_deterministic(
    tenants: dict[str, Tenant], area: str | None, service: str, case_id: str
) -> None:
    authority = Authority(name="x", ags=area)
    try:
        tenant = responsible_tenant(authority, service, tenants)
    except ResponsibilityError:
        return
    if area is not None:
        assert area == tenant.ags
    else:
        assert not tenant.has_area and any(r.service == service for r in tenant.routes)

    first = route(case_id, application(authority, service), tenant)
    again = route(case_id, application(authority, service), tenants[tenant.id])

    assert first == again
    assert tenant.id == first.tenant
    for planned in first.deliveries:
        assert planned.connector in tenant.connectors
        assert delivery_id(case_id, tenant.id, planned.connector) == planned.delivery_id
        others = {
            delivery_id(case_id, t, c)
            for t in tenants
            if t != tenant.id
            for c in tenants[t].connectors
        }
        assert planned.delivery_id not in others
