"""Routing end to end on the real broker: invoices by Leitweg-ID, foreign tenants, quarantine."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.events.codec import SingleObjectCodec
from hub.events.models import Quarantined
from hub.ids import delivery_id
from hub.intake.invoice import parse_invoice
from hub.kafka.reader import read_topic
from hub.runtime.local import PROJECT_ROOT, LocalHub
from tests.e2e.conftest import HubDriver

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

INVOICES = PROJECT_ROOT / "examples" / "invoices"
INVOICE_TENANT = {
    "cii-kreis-bergstrasse-buero": "kreis-bergstrasse",
    "ubl-bensheim-gruenpflege": "bensheim",
    "ubl-viernheim-spielplatz": "viernheim",
}


def _fresh_invoice(stem: str, tag: str) -> bytes:
    """The example invoice with a new invoice number (a new case) and everything else as is."""
    doc = (INVOICES / f"{stem}.xml").read_bytes()
    number = parse_invoice(doc).invoice_number
    return doc.replace(f">{number}<".encode(), f">{number}-{tag}<".encode(), 1)


@pytest.mark.parametrize("stem", sorted(INVOICE_TENANT))
def test_sample_invoice_lands_in_its_tenants_finance_inbox_unchanged(
    running_hub: HubDriver, stem: str
) -> None:
    document = _fresh_invoice(stem, "e2e")
    tenant = INVOICE_TENANT[stem]

    posted = running_hub.post_invoice(document)

    assert 202 == posted.status, posted.body
    case_id = posted.body["invoiceId"]
    view = running_hub.wait_final(case_id, kind="invoice")
    assert (tenant, "xrechnung", "completed") == (view["tenant"], view["service"], view["status"])
    assert [] == view["reasons"]
    did = delivery_id(case_id, tenant, "finance")
    folders = [p for p in running_hub.inbox(tenant, "finance") if p.name.startswith(did)]
    assert 1 == len(folders)
    assert document == (folders[0] / "rechnung.xml").read_bytes()
    assert 200 == running_hub.post_invoice(document).status  # a repeat is answered, not re-sent


@pytest.mark.parametrize(
    ("replace", "status", "kind"),
    [
        (b"991-33333TEST-33", 422, "unroutable_invoice"),  # valid, but no partner has it
        (b"Einkauf", 422, "unroutable_invoice"),  # not even the digits of a Leitweg-ID
        (b"", 422, "invalid_invoice"),  # BT-10 missing: BR-DE-15, with every other finding
    ],
)
def test_invoice_with_unusable_leitweg_id_is_refused_and_nothing_is_stored(
    running_hub: HubDriver, replace: bytes, status: int, kind: str
) -> None:
    document = _fresh_invoice("ubl-bensheim-gruenpflege", kind)
    if not replace:
        document = document.replace(
            b"<cbc:BuyerReference>064310002002-FINANZEN-59</cbc:BuyerReference>", b""
        )
    else:
        document = document.replace(b"064310002002-FINANZEN-59", replace)
    blobs_before = sorted(running_hub.hub.blob_dir.rglob("*"))

    result = running_hub.post_invoice(document)

    assert (status, kind) == (result.status, result.body["type"].rsplit("/", 1)[1])
    assert blobs_before == sorted(running_hub.hub.blob_dir.rglob("*"))


def test_invoice_with_a_dtd_is_refused(running_hub: HubDriver) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol2;</Invoice>'
    )

    result = running_hub.post_invoice(bomb)

    assert 422 == result.status
    assert result.body["type"].endswith("/forbidden_xml")


def test_submission_for_a_tenant_the_portal_does_not_serve_is_forbidden(
    running_hub: HubDriver,
) -> None:
    body = running_hub.example("gewerbe-anmelden-bensheim")
    body["portal"] = "civento-standesamt"  # may submit for Viernheim only

    result = running_hub.post(body)

    assert 403 == result.status
    assert result.body["type"].endswith("/tenant_not_allowed")


@pytest.fixture
def config_without_catch_all(tmp_path: Path) -> Path:
    """The shipped configuration, but Bensheim routes only Gewerbe and has no fallback."""
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    path = config / "tenants" / "bensheim.yaml"
    text = path.read_text()
    start = text.index("  - name: everything-else")
    path.write_text(text[:start] + text[text.index("\ninvoices:") :])
    return config


def test_unroutable_case_is_quarantined_with_its_reason_and_shown_as_such(
    local_hub: Callable[..., LocalHub], config_without_catch_all: Path
) -> None:
    hub = local_hub(config_dir=config_without_catch_all)
    driver = HubDriver(hub)
    try:
        body = driver.example("hundesteuer-anmelden-viernheim")
        body["authority"] = {"name": "Stadt Bensheim", "ags": "06431002", "ars": "064310002002"}

        posted = driver.post(body)

        assert 202 == posted.status, posted.body
        case_id = posted.body["applicationId"]
        view = driver.wait_final(case_id)
        assert ("quarantined", ["no_route"]) == (view["status"], view["reasons"])
        topic = f"{hub.topic_prefix}.quarantine"
        codec = SingleObjectCodec()
        kept = [codec.decode(r.value, topic=topic) for r in read_topic(hub.bootstrap, topic)]
        mine = [q for q in kept if isinstance(q, Quarantined) and q.envelope.case_id == case_id]
        assert [("router", "no_route", "bensheim")] == [
            (q.stage, q.reason, q.envelope.tenant) for q in mine
        ]
        assert f"{hub.topic_prefix}.applications.submitted" == mine[0].source_topic
        assert mine[0].original_value  # the whole event is kept for replay
    finally:
        driver.close()
