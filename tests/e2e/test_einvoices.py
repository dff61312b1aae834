"""E-invoices end to end on the real broker: validated at intake, handed to finance, the
supplier told either way."""

from __future__ import annotations

import json
import sys
import uuid

import pytest

from hub.ids import delivery_id
from hub.intake.invoice import parse_invoice
from hub.runtime.local import PROJECT_ROOT
from tests.e2e.conftest import HubDriver

sys.path.insert(0, str(PROJECT_ROOT / "tests" / "unit" / "formats" / "xrechnung"))
from xrechnung_variants import BROKEN

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

EXAMPLE = PROJECT_ROOT / "examples" / "invoices" / "ubl-bensheim-gruenpflege.xml"
LEITWEG = b"064310002002-FINANZEN-59"  # the example's own BT-10: Bensheim's finance office


def _fresh(document: bytes) -> bytes:
    """``document`` with a new invoice number, so it is a new case."""
    number = parse_invoice(document).invoice_number
    return document.replace(f">{number}<".encode(), f">{number}-{uuid.uuid4().hex[:8]}<".encode())


def test_a_valid_invoice_reaches_finance_with_all_three_files_and_completes(
    running_hub: HubDriver,
) -> None:
    document = _fresh(EXAMPLE.read_bytes())

    posted = running_hub.post_invoice(document)

    assert 202 == posted.status, posted.body
    case_id = posted.body["invoiceId"]
    view = running_hub.wait_final(case_id, kind="invoice")
    assert ("bensheim", "completed", []) == (view["tenant"], view["status"], view["reasons"])
    did = delivery_id(case_id, "bensheim", "finance")
    (folder,) = [p for p in running_hub.inbox("bensheim", "finance") if p.name.startswith(did)]
    assert ["rechnung.html", "rechnung.xml", "zusammenfassung.json"] == sorted(
        p.name for p in folder.iterdir()
    )
    assert document == (folder / "rechnung.xml").read_bytes()
    summary = json.loads((folder / "zusammenfassung.json").read_text(encoding="utf-8"))
    assert summary["validation"]["valid"] is True
    assert [w["rule_id"] for w in posted.body.get("warnings", [])] == [
        f["rule_id"] for f in summary["validation"]["findings"]
    ]
    assert parse_invoice(document).invoice_number in (folder / "rechnung.html").read_text()


def test_an_invalid_invoice_is_refused_with_its_reasons_and_nothing_reaches_finance(
    running_hub: HubDriver,
) -> None:
    case = next(c for c in BROKEN if c.name == "ubl payable off by a cent")
    document = _fresh(case.document())
    # the variant comes from the official suite: address it to Bensheim
    source_bt10 = parse_invoice(document).buyer_reference.encode()
    document = document.replace(
        b"<cbc:BuyerReference>" + source_bt10, b"<cbc:BuyerReference>" + LEITWEG
    )
    finance_before = running_hub.inbox("bensheim", "finance")
    blobs_before = sorted(running_hub.hub.blob_dir.rglob("*"))

    result = running_hub.post_invoice(document)

    assert (422, "invalid_invoice") == (result.status, result.body["type"].rsplit("/", 1)[1])
    errors = result.body["errors"]
    assert ["BR-CO-16"] == [e["rule_id"] for e in errors]
    assert errors[0]["severity"] == "fatal" and "BR-CO-16" in errors[0]["detail"]
    assert errors[0]["location"].startswith("/ubl:Invoice")
    assert blobs_before == sorted(running_hub.hub.blob_dir.rglob("*"))
    assert finance_before == running_hub.inbox("bensheim", "finance")
