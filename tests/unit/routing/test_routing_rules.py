"""hub.routing.rules: who is responsible for a case, and where it goes."""

from __future__ import annotations

import pytest

from hub.config import HubConfig
from hub.config.tenants import Tenant
from hub.events.models import Application, Authority, PlannedDelivery
from hub.ids import delivery_id
from hub.routing.rules import ResponsibilityError, RoutingDecision, responsible_tenant, route
from tests.unit.factories import (
    EXAMPLE_STEMS,
    EXPECTED_TENANT,
    application_from,
    load_example,
    rule,
    tenant,
)

GEWERBE = "99050012104000"
EHRENAMT = "99000000000001"
HUNDESTEUER = "99102013104000"

KREIS = tenant("kreis", ags="06431000", ars="064310000000")
STADT = tenant("stadt", ags="06431002", ars="064310002002")
NACHBAR = tenant("nachbar", ags="06431020", ars="064310020020")
NUR_AGS = tenant("nur-ags", ags="06431011")
REGION = tenant("region", routes=[rule(EHRENAMT, "dms")])
REGION_CATCH_ALL = tenant("region-all", routes=[rule("*", "dms")])
TENANTS = {t.id: t for t in (KREIS, STADT, NACHBAR, NUR_AGS, REGION, REGION_CATCH_ALL)}


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_each_example_belongs_to_its_partner(hub_config: HubConfig, stem: str) -> None:
    app = application_from(load_example(stem))

    found = responsible_tenant(app.authority, app.service.leika_id, hub_config.tenants)

    assert EXPECTED_TENANT[stem] == found.id


@pytest.mark.parametrize(
    ("authority", "service", "expected"),
    [
        (Authority(name="Kreis", ars="064310000000"), GEWERBE, "kreis"),
        (Authority(name="Kreis", ags="06431000"), GEWERBE, "kreis"),
        (Authority(name="Kreis", ags="06431000", ars="064310000000"), GEWERBE, "kreis"),
        (Authority(name="Stadt", ars="064310002002"), GEWERBE, "stadt"),
        (Authority(name="Stadt", ags="06431002"), GEWERBE, "stadt"),
        # the ARS decides when both are given
        (Authority(name="Stadt", ags="06431020", ars="064310002002"), GEWERBE, "stadt"),
        # a tenant configured with an AGS only is found through the authority's AGS
        (Authority(name="Gemeinde", ags="06431011", ars="064310011011"), GEWERBE, "nur-ags"),
        # no area key: the area-less tenant naming the service
        (Authority(name="Region"), EHRENAMT, "region"),
    ],
    ids=[
        "kreis-ars",
        "kreis-ags",
        "kreis-both",
        "stadt-ars",
        "stadt-ags",
        "ars-wins",
        "ags-only-tenant",
        "region",
    ],
)
def test_responsible_tenant_by_area_key_or_named_service(
    authority: Authority, service: str, expected: str
) -> None:
    assert expected == responsible_tenant(authority, service, TENANTS).id


@pytest.mark.parametrize(
    "authority",
    [
        # a municipality of the Kreis that is no partner: the Kreis key must not match it
        Authority(name="Lorsch", ags="06431015", ars="064310015015"),
        Authority(name="Lorsch", ars="064310015015"),
        Authority(name="Lorsch", ags="06431015"),
        Authority(name="Unbekannt", ags="06999999", ars="069999999999"),
    ],
    ids=["municipality-both", "municipality-ars", "municipality-ags", "elsewhere"],
)
def test_unknown_area_key_is_unknown_authority_never_the_kreis(authority: Authority) -> None:
    with pytest.raises(ResponsibilityError) as raised:
        responsible_tenant(authority, GEWERBE, TENANTS)

    assert "unknown_authority" == raised.value.reason


def test_municipality_is_not_claimed_by_kreis_when_only_the_kreis_is_a_partner() -> None:
    with pytest.raises(ResponsibilityError) as raised:
        responsible_tenant(
            Authority(name="Stadt", ags="06431002", ars="064310002002"), GEWERBE, {"kreis": KREIS}
        )

    assert "unknown_authority" == raised.value.reason


def test_area_less_authority_for_service_nobody_names_is_unknown() -> None:
    # "*" of an area-less tenant does not make it responsible for everything
    with pytest.raises(ResponsibilityError) as raised:
        responsible_tenant(Authority(name="Irgendwer"), HUNDESTEUER, TENANTS)

    assert "unknown_authority" == raised.value.reason
    assert HUNDESTEUER in raised.value.detail


def test_area_key_claimed_twice_is_ambiguous() -> None:
    twin = tenant("stadt-zwei", ags="06431002", ars="064310002002")

    with pytest.raises(ResponsibilityError) as raised:
        responsible_tenant(
            Authority(name="Stadt", ars="064310002002"), GEWERBE, {"stadt": STADT, "twin": twin}
        )

    assert "ambiguous_authority" == raised.value.reason
    assert "stadt, stadt-zwei" in raised.value.detail


# --- route() -----------------------------------------------------------------------------


def _app(service: str) -> Application:
    raw = load_example("gewerbe-anmelden-bensheim")
    raw["service"]["leikaId"] = service
    return application_from(raw)


def _planned(t: Tenant, *connectors: str, case: str = "case-1") -> tuple[PlannedDelivery, ...]:
    return tuple(
        PlannedDelivery(
            delivery_id=delivery_id(case, t.id, c), connector=c, connector_kind=t.connectors[c].kind
        )
        for c in connectors
    )


CONNECTORS = {"dms": "dms.xdomea", "fv": "fv.hundesteuer", "post": "manual.mailbox"}
SPECIFIC_FIRST = tenant(
    "stadt",
    connectors=CONNECTORS,
    fallback="post",
    routes=[rule(HUNDESTEUER, "fv", "dms", name="hundesteuer"), rule("*", "dms", name="rest")],
)
CATCH_ALL_FIRST = tenant(
    "stadt",
    connectors=CONNECTORS,
    routes=[rule("*", "dms", name="rest"), rule(HUNDESTEUER, "fv", name="hundesteuer")],
)
ONLY_HUNDESTEUER = tenant(
    "stadt", connectors=CONNECTORS, fallback="post", routes=[rule(HUNDESTEUER, "fv")]
)
NO_FALLBACK = tenant("stadt", connectors=CONNECTORS, routes=[rule(HUNDESTEUER, "fv")])


@pytest.mark.parametrize(
    ("t", "service", "expected"),
    [
        (
            SPECIFIC_FIRST,
            HUNDESTEUER,
            RoutingDecision("stadt", "hundesteuer", _planned(SPECIFIC_FIRST, "fv", "dms")),
        ),
        (
            SPECIFIC_FIRST,
            GEWERBE,
            RoutingDecision("stadt", "rest", _planned(SPECIFIC_FIRST, "dms")),
        ),
        # first match in file order wins, even over a more specific rule further down
        (
            CATCH_ALL_FIRST,
            HUNDESTEUER,
            RoutingDecision("stadt", "rest", _planned(CATCH_ALL_FIRST, "dms")),
        ),
        (
            ONLY_HUNDESTEUER,
            HUNDESTEUER,
            RoutingDecision("stadt", f"service:{HUNDESTEUER}", _planned(ONLY_HUNDESTEUER, "fv")),
        ),
        (
            ONLY_HUNDESTEUER,
            GEWERBE,
            RoutingDecision("stadt", "fallback", _planned(ONLY_HUNDESTEUER, "post"), "no_route"),
        ),
        (NO_FALLBACK, GEWERBE, RoutingDecision("stadt", "none", (), "no_route")),
    ],
    ids=[
        "specific-rule",
        "catch-all",
        "file-order",
        "unnamed-rule-label",
        "fallback",
        "no-fallback",
    ],
)
def test_route_takes_first_matching_rule_then_fallback(
    t: Tenant, service: str, expected: RoutingDecision
) -> None:
    assert expected == route("case-1", _app(service), t)


def test_connector_named_twice_in_a_rule_is_delivered_once() -> None:
    t = tenant("stadt", connectors=CONNECTORS, routes=[rule("*", "dms", "fv", "dms")])

    decision = route("case-1", _app(GEWERBE), t)

    assert ["dms", "fv"] == [d.connector for d in decision.deliveries]


def test_delivery_ids_are_stable_and_distinct_per_connector() -> None:
    first = route("case-1", _app(HUNDESTEUER), SPECIFIC_FIRST)
    again = route("case-1", _app(HUNDESTEUER), SPECIFIC_FIRST)
    other_case = route("case-2", _app(HUNDESTEUER), SPECIFIC_FIRST)

    assert first == again
    assert 2 == len({d.delivery_id for d in first.deliveries})
    assert not {d.delivery_id for d in first.deliveries} & {
        d.delivery_id for d in other_case.deliveries
    }


# the shipped tenants' routes: (rule, connectors in order) per example
SHIPPED_ROUTES = {
    "baugenehmigung-kreis-bergstrasse": ("baugenehmigung", ["bauaufsicht", "dms"]),
    "ehrenamtskarte-mrn": ("ehrenamtskarte", ["ehrenamt"]),
    "geburtsurkunde-viernheim": ("geburtsurkunde", ["standesamt"]),
    "gewerbe-anmelden-bensheim": ("gewerbe-anmelden", ["gewerbe", "dms"]),
    "hundesteuer-anmelden-viernheim": ("hundesteuer", ["steuer", "dms"]),
}


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_each_example_is_routed_by_its_partners_service_rule(
    hub_config: HubConfig, stem: str
) -> None:
    app = application_from(load_example(stem))
    t = hub_config.tenant(EXPECTED_TENANT[stem])

    decision = route("case-1", app, t)

    assert (*SHIPPED_ROUTES[stem], None) == (
        decision.rule,
        [d.connector for d in decision.deliveries],
        decision.reason,
    )


def test_service_without_own_rule_goes_to_the_catch_all(hub_config: HubConfig) -> None:
    decision = route("case-1", _app(EHRENAMT), hub_config.tenant("bensheim"))

    assert ("everything-else", ["dms", "clerk"]) == (
        decision.rule,
        [d.connector for d in decision.deliveries],
    )
