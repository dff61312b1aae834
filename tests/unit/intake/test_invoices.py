"""POST /v1/invoices with the official validation: the XRechnung test suite is the oracle.

Every valid instance of the official test suite is accepted once its BT-10 names a partner;
broken variants are refused naming the rule KoSIT's rules report; hostile XML and
unroutable BT-10 values are refused before any stylesheet runs; nothing refused is stored.
One validation pool (one worker process, rules compiled once) serves the whole module.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import AsyncIterator, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from lxml import etree
from prometheus_client import CollectorRegistry

from hub.config import ConfigError, HubConfig, load_config
from hub.events.codec import SingleObjectCodec
from hub.events.models import InvoiceReceived
from hub.formats.xrechnung import ValidationReport
from hub.formats.xrechnung.document import NS
from hub.intake.api import IntakeDeps, create_intake_app
from hub.intake.explain import explain_invoice
from hub.intake.invoices import IntakeValidator
from hub.intake.problems import MEDIA_TYPE, PROBLEM_BASE
from hub.intake.views import InvoiceReceipt, ProblemDocument
from hub.metrics import HubMetrics
from hub.routing.leitweg import check_digits
from hub.runtime.local import PORTAL_SECRET_ENV, PROJECT_ROOT
from hub.runtime.worker import intake_deps as worker_deps
from hub.settings import HubSettings
from tests.conftest import CONNECTOR_SECRETS
from tests.unit.factories import (
    FakeProducer,
    intake_client,
    intake_deps,
    shared_validator,
    signed,
)

# the variants of the format tests are imported as their own modules there
sys.path.insert(0, str(PROJECT_ROOT / "tests" / "unit" / "formats" / "xrechnung"))
from xrechnung_cases import EXAMPLES, SUITE, suite_files, validator
from xrechnung_variants import BROKEN, WARNED

PORTAL = "erechnung-gateway"
SECRETS = {portal: f"test-secret-{portal}" for portal in PORTAL_SECRET_ENV}
BENSHEIM = "064310002002"
LEITWEG = f"{BENSHEIM}-{check_digits(BENSHEIM)}"
EXAMPLE_TENANT = {
    "ubl-bensheim-gruenpflege.xml": "bensheim",
    "ubl-viernheim-spielplatz.xml": "viernheim",
    "cii-kreis-bergstrasse-buero.xml": "kreis-bergstrasse",
}
_BT10 = ("//cbc:BuyerReference", "//ram:BuyerReference")


def read(path: Path) -> Any:
    """A test parameter: the file's bytes, named after the file."""
    return pytest.param(path.read_bytes(), id=path.name)


def with_buyer_reference(document: bytes, value: str) -> bytes:
    """``document`` with BT-10 set to ``value`` (left out when it has no BT-10)."""
    root = etree.fromstring(document)
    for path in _BT10:
        found = root.xpath(path, namespaces=NS)
        assert isinstance(found, list)
        for node in found:
            assert isinstance(node, etree._Element)
            node.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class SpyValidator:
    """Records every document handed to validation; answers with the real validator's
    report, or raises ``error``."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.seen: list[bytes] = []
        self.error = error

    async def validate(self, document: bytes) -> ValidationReport:
        self.seen.append(document)
        if self.error is not None:
            raise self.error
        return await shared_validator().validate(document)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubConfig]:
    """The shipped configuration with test secrets, loaded once for the module."""
    with pytest.MonkeyPatch.context() as patch:
        for portal, env in PORTAL_SECRET_ENV.items():
            patch.setenv(env, SECRETS[portal])
        for env, value in CONNECTOR_SECRETS.items():
            patch.setenv(env, value)
        patch.setenv("HUB_VAR_DIR", str(tmp_path_factory.mktemp("var")))
        yield load_config(PROJECT_ROOT / "config")


@pytest.fixture
def producer() -> FakeProducer:
    return FakeProducer()


@pytest.fixture
def deps(tmp_path: Path, config: HubConfig, producer: FakeProducer) -> IntakeDeps:
    return intake_deps(tmp_path, config, producer, max_body_bytes=25 * 1024 * 1024)


@pytest.fixture
async def client(deps: IntakeDeps) -> AsyncIterator[TestClient[Any, Any]]:
    async with intake_client(deps) as c:
        yield c


async def post(client: Any, document: bytes, secrets: dict[str, str]) -> ClientResponse:
    headers = signed(document, secrets[PORTAL], portal=PORTAL, content_type="application/xml")
    # a stream, so that aiohttp does not warn about large bodies given as bytes
    resp: ClientResponse = await client.post(
        "/v1/invoices", data=io.BytesIO(document), headers=headers
    )
    return resp


async def problem(resp: ClientResponse, status: int, kind: str) -> dict[str, Any]:
    assert (status, MEDIA_TYPE) == (resp.status, resp.content_type), await resp.text()
    doc: dict[str, Any] = json.loads(await resp.read())
    assert PROBLEM_BASE + kind == doc["type"]
    ProblemDocument.model_validate(doc)  # the answer is what the OpenAPI document promises
    return doc


def stored_nothing(deps: IntakeDeps, producer: FakeProducer, tmp_path: Path) -> bool:
    blobs = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    receipts = [p for p in (tmp_path / "receipts").rglob("*") if p.is_file()]
    return (blobs, receipts, producer.messages) == ([], [], [])


def counter(deps: IntakeDeps, name: str, **labels: str) -> float:
    value = deps.metrics.registry.get_sample_value(name, labels)
    return value or 0.0


# --- accepted ------------------------------------------------------------------------------


def test_the_suite_is_there() -> None:
    assert SUITE.is_dir() and len(suite_files()) >= 60


@pytest.mark.parametrize("original", [read(p) for p in suite_files()])
async def test_every_official_test_instance_is_accepted_when_bt10_names_a_partner(
    original: bytes,
    client: Any,
    deps: IntakeDeps,
    producer: FakeProducer,
) -> None:
    document = with_buyer_reference(original, LEITWEG)

    resp = await post(client, document, SECRETS)

    assert 202 == resp.status, await resp.text()
    receipt = InvoiceReceipt.model_validate(await resp.json())
    assert "bensheim" == receipt.tenant
    (_topic, key, value) = producer.messages[0]
    event = SingleObjectCodec().decode(value)
    assert isinstance(event, InvoiceReceived)
    assert (LEITWEG, receipt.invoiceId) == (event.invoice.leitweg_id, key.decode())
    report = event.invoice.validation
    assert report is not None
    stored = deps.blobs.get(report.uri)
    assert json.loads(stored)["valid"] is True
    assert document == deps.blobs.get(event.invoice.document.uri)
    warnings = [f["rule_id"] for f in json.loads(stored)["findings"]]
    assert warnings == [w.rule_id for w in receipt.warnings or []]
    assert 1.0 == counter(
        deps,
        "hub_invoices_validated_total",
        tenant="bensheim",
        leitweg_prefix=BENSHEIM,
        outcome="valid",
    )


@pytest.mark.parametrize(
    ("example", "tenant"),
    [pytest.param(p.read_bytes(), EXAMPLE_TENANT[p.name], id=p.name) for p in EXAMPLES],
)
async def test_the_shipped_examples_are_accepted_for_their_partner(
    example: bytes, tenant: str, client: Any
) -> None:
    resp = await post(client, example, SECRETS)

    assert 202 == resp.status, await resp.text()
    assert tenant == (await resp.json())["tenant"]


async def test_a_repeat_is_answered_with_the_receipt_and_counted_once(
    client: Any, deps: IntakeDeps, producer: FakeProducer
) -> None:
    document = EXAMPLES[0].read_bytes()

    first, second = (
        await post(client, document, SECRETS),
        await post(client, document, SECRETS),
    )

    assert (202, 200) == (first.status, second.status)
    assert (await first.json())["invoiceId"] == (await second.json())["invoiceId"]
    assert 1 == len(producer.messages)
    tenant = (await first.json())["tenant"]
    valid = [
        s
        for m in deps.metrics.registry.collect()
        if m.name == "hub_invoices_validated"
        for s in m.samples
        if s.name.endswith("_total") and s.labels["tenant"] == tenant and s.value
    ]
    assert [1.0] == [s.value for s in valid]


@pytest.mark.parametrize("case", WARNED, ids=lambda c: c.name)
async def test_warnings_never_refuse_and_are_in_the_receipt(case: Any, client: Any) -> None:
    resp = await post(client, with_buyer_reference(case.document(), LEITWEG), SECRETS)

    assert 202 == resp.status, await resp.text()
    warnings = InvoiceReceipt.model_validate(await resp.json()).warnings or []
    assert case.rule in {w.rule_id for w in warnings}
    assert {"warning"} == {w.severity for w in warnings}


# --- refused by the rules -------------------------------------------------------------------


def test_there_are_at_least_thirty_invalid_variants() -> None:
    assert len(BROKEN) >= 30


@pytest.mark.parametrize("case", BROKEN, ids=lambda c: c.name)
async def test_invalid_variant_is_refused_naming_its_rules_and_nothing_is_stored(
    case: Any,
    client: Any,
    deps: IntakeDeps,
    producer: FakeProducer,
    tmp_path: Path,
) -> None:
    document = with_buyer_reference(case.document(), LEITWEG)

    doc = await problem(await post(client, document, SECRETS), 422, "invalid_invoice")

    errors = doc["errors"]
    assert {case.rule, *case.cascade} == {e["rule_id"] for e in errors}
    assert {"fatal"} == {e["severity"] for e in errors}
    assert all(e["location"] and e["detail"] for e in errors)
    assert stored_nothing(deps, producer, tmp_path)
    assert 1.0 == counter(deps, "hub_invoice_rule_violations_total", rule=case.rule)


async def test_every_fatal_finding_is_in_the_problem(client: Any) -> None:
    two = next(c for c in BROKEN if len(c.cascade) >= 2)
    document = with_buyer_reference(two.document(), LEITWEG)
    expected = validator().validate(document)

    doc = await problem(await post(client, document, SECRETS), 422, "invalid_invoice")

    assert [(f.rule_id, f.location, f.text) for f in expected.fatal] == [
        (e["rule_id"], e["location"], e["detail"]) for e in doc["errors"]
    ]
    assert str(len(expected.fatal)) in doc["detail"]


async def test_unsupported_specification_is_refused(
    client: Any,
    deps: IntakeDeps,
    producer: FakeProducer,
    tmp_path: Path,
) -> None:
    document = EXAMPLES[0].read_bytes()
    root = etree.fromstring(document)
    spec = root.xpath("//cbc:CustomizationID", namespaces=NS) or root.xpath(
        "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=NS
    )
    assert isinstance(spec, list)
    spec[0].text = "urn:cen.eu:en16931:2017"  # type: ignore[union-attr]
    document = etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    doc = await problem(await post(client, document, SECRETS), 422, "unsupported_specification")

    assert "BT-24" == doc["errors"][0]["field"]
    assert stored_nothing(deps, producer, tmp_path)


# --- refused before validation ---------------------------------------------------------------

HOSTILE = {
    "forbidden_xml": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]>'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&a;</Invoice>',
    "xml_too_deep": b"<a>" * 80 + b"</a>" * 80,
    "xml_too_large": b"<r>" + b"<e/>" * 600_000 + b"</r>",
    "malformed_xml": b"<Invoice><unclosed></Invoice>",
    "unsupported_document": b'<Order xmlns="urn:x"/>',
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_hostile_or_foreign_xml_is_refused_before_any_stylesheet(
    kind: str, tmp_path: Path, config: HubConfig
) -> None:
    spy, producer = SpyValidator(), FakeProducer()
    deps = intake_deps(tmp_path, config, producer, max_body_bytes=2**24, validator=spy)
    async with intake_client(deps) as client:
        resp = await post(client, HOSTILE[kind], SECRETS)
        await problem(resp, 400 if kind == "malformed_xml" else 422, kind)
    assert [] == spy.seen
    assert stored_nothing(deps, producer, tmp_path)


@pytest.mark.parametrize(
    "buyer_reference",
    ["991-33333-44", "Abteilung Einkauf", "06431000200-12", "4711", f"{BENSHEIM}1-55"],
)
async def test_unroutable_bt10_gets_its_own_problem_type_before_validation(
    buyer_reference: str, tmp_path: Path, config: HubConfig
) -> None:
    spy, producer = SpyValidator(), FakeProducer()
    deps = intake_deps(tmp_path, config, producer, validator=spy)
    document = with_buyer_reference(EXAMPLES[0].read_bytes(), buyer_reference)
    async with intake_client(deps) as client:
        doc = await problem(await post(client, document, SECRETS), 422, "unroutable_invoice")

    assert "BT-10" == doc["errors"][0]["field"]
    assert buyer_reference in doc["detail"]
    assert [] == spy.seen
    assert stored_nothing(deps, producer, tmp_path)
    assert (
        "refused at intake (422 unroutable_invoice)"
        in explain_invoice(document, config, validator()).render()
    )


@pytest.mark.parametrize(
    "buyer_reference",
    [f"{BENSHEIM}-00", f"{BENSHEIM}-Kaemmerei 7-99", f"{BENSHEIM}-", BENSHEIM],
)
async def test_bt10_that_is_no_leitweg_id_but_starts_with_a_prefix_is_routed_with_a_warning(
    buyer_reference: str,
    client: Any,
    producer: FakeProducer,
    config: HubConfig,
) -> None:
    document = with_buyer_reference(EXAMPLES[0].read_bytes(), buyer_reference)
    document = document.replace(b"RE-2026-0815", buyer_reference.encode()[:20])

    resp = await post(client, document, SECRETS)

    assert 202 == resp.status, await resp.text()
    receipt = InvoiceReceipt.model_validate(await resp.json())
    assert "bensheim" == receipt.tenant
    note = (receipt.warnings or [])[0]
    assert ("BT-10", "warning") == (note.field, note.severity)
    assert BENSHEIM in note.detail
    event = SingleObjectCodec().decode(producer.messages[0][2])
    assert isinstance(event, InvoiceReceived)
    assert buyer_reference == event.invoice.leitweg_id
    explained = explain_invoice(document, config, validator())
    assert ("bensheim", ["bensheim/finance (einvoice.xrechnung)"]) == (
        explained.tenant,
        explained.targets,
    )


async def test_missing_bt10_is_refused_with_every_finding_of_the_rules(
    client: Any,
    deps: IntakeDeps,
    producer: FakeProducer,
    tmp_path: Path,
) -> None:
    case = next(c for c in BROKEN if c.rule == "BR-DE-15")

    doc = await problem(await post(client, case.document(), SECRETS), 422, "invalid_invoice")

    assert "BR-DE-15" in {e["rule_id"] for e in doc["errors"]}
    assert stored_nothing(deps, producer, tmp_path)


async def test_a_portal_not_serving_the_partner_is_refused_before_validation(
    tmp_path: Path, config: HubConfig
) -> None:
    spy = SpyValidator()
    deps = intake_deps(tmp_path, config, validator=spy)
    document = EXAMPLES[0].read_bytes()
    headers = signed(document, SECRETS["civento-standesamt"], portal="civento-standesamt")
    headers["Content-Type"] = "application/xml"
    async with intake_client(deps) as client:
        resp = await client.post("/v1/invoices", data=document, headers=headers)
        await problem(resp, 403, "tenant_not_allowed")

    assert [] == spy.seen


# --- the validator's life -------------------------------------------------------------------


async def test_a_crashed_validator_answers_503_and_stores_nothing(
    tmp_path: Path, config: HubConfig
) -> None:
    producer = FakeProducer()
    deps = intake_deps(tmp_path, config, producer, validator=SpyValidator(BrokenProcessPool()))
    async with intake_client(deps) as client:
        resp = await post(client, EXAMPLES[0].read_bytes(), SECRETS)
        await problem(resp, 503, "validation_unavailable")
    assert "Retry-After" in resp.headers
    assert stored_nothing(deps, producer, tmp_path)


async def test_the_pool_is_rebuilt_after_its_worker_died(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Any] = []

    class Pool:
        def __init__(self, *_a: Any, **_k: Any) -> None:
            self.closed = False
            built.append(self)

        async def validate(self, document: bytes) -> ValidationReport:
            if len(built) == 1:
                raise BrokenProcessPool("worker died")
            return validator().validate(document)

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr("hub.intake.invoices.AsyncXRechnungValidator", Pool)
    pool = IntakeValidator(PROJECT_ROOT / ".cache" / "xrechnung")

    with pytest.raises(BrokenProcessPool):
        await pool.validate(EXAMPLES[0].read_bytes())
    report = await pool.validate(EXAMPLES[0].read_bytes())

    assert report.valid
    assert [True, False] == [p.closed for p in built]


def test_missing_rules_fail_the_start_naming_the_setting_and_the_fetch_script(
    tmp_path: Path, config: HubConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_XRECHNUNG_RULES_DIR", str(tmp_path / "no-rules"))
    settings = HubSettings()
    assert tmp_path / "no-rules" == settings.xrechnung_rules_dir

    with pytest.raises(ConfigError) as info:
        worker_deps(settings, config, HubMetrics(CollectorRegistry()))

    message = str(info.value)
    assert "HUB_XRECHNUNG_RULES_DIR" in message
    assert "scripts/xrechnung.sh fetch" in message
    assert str(tmp_path / "no-rules") in message


async def test_an_app_that_builds_its_own_validator_does_not_start_without_rules(
    tmp_path: Path, config: HubConfig
) -> None:
    deps = intake_deps(tmp_path, config)
    deps.validator, deps.xrechnung_rules_dir = None, tmp_path / "no-rules"
    app = create_intake_app(deps)

    runner = web.AppRunner(app)

    with pytest.raises(ConfigError, match="HUB_XRECHNUNG_RULES_DIR"):
        await runner.setup()
    await runner.cleanup()
