"""The case document: the portal's own names, the delivery's ids, nothing null."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.formats.mapping import case_document, parse_pointer, resolve
from hub.runtime.local import PROJECT_ROOT
from hub.sdk.testing import load_samples

SAMPLES = {s.name: s for s in load_samples("procedure.rest", "standesamt")}


def _no_nulls(node: Any) -> bool:
    if isinstance(node, dict):
        return all(v is not None and _no_nulls(v) for v in node.values())
    if isinstance(node, list):
        return all(_no_nulls(v) for v in node)
    return True


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        ("/meta/submissionId", "CIV-2026-104251"),
        ("/meta/connector", "standesamt"),
        ("/meta/tenant", "testort"),
        ("/service/leikaId", "99027002012000"),
        ("/authority/ags", "06431020"),
        ("/applicant/givenName", "Mira"),
        ("/applicant/address/postalCode", "68519"),
        ("/formData/person/vornamen", "Mira Luise"),
        ("/payment/transactionId", "EPAY-88230"),
        ("/replyChannel/type", "email"),
    ],
)
def test_pointers_read_the_submission_as_the_portal_named_it(pointer: str, expected: str) -> None:
    doc = case_document(SAMPLES["geburtsurkunde-viernheim.json"].request)

    assert expected == resolve(doc, parse_pointer(pointer))


def test_meta_carries_the_delivery_ids_and_times() -> None:
    request = SAMPLES["gewerbe-anmelden-bensheim.json"].request
    meta = case_document(request)["meta"]

    assert request.envelope.case_id == meta["caseId"]
    assert request.delivery_id == meta["deliveryId"]
    assert request.envelope.occurred_at.isoformat() == meta["requestedAt"]
    assert meta["submittedAt"].startswith("2026-11-20T")


def test_attachments_are_metadata_only() -> None:
    doc = case_document(SAMPLES["gewerbe-anmelden-bensheim.json"].request)

    assert "personalausweis.pdf" == doc["attachments"][0]["filename"]
    assert {"attachmentId", "filename", "mediaType", "size", "sha256"} == set(doc["attachments"][0])


@pytest.mark.parametrize("name", sorted(n for n, s in SAMPLES.items() if s.request.application))
def test_absent_parts_are_absent_keys_never_null(name: str) -> None:
    doc = case_document(SAMPLES[name].request)

    assert _no_nulls(doc)
    raw = json.loads((PROJECT_ROOT / "examples" / "applications" / name).read_text())
    assert raw["formData"] == doc["formData"]
    assert ("payment" in doc) == (raw.get("payment") is not None)


def test_invoices_have_no_case_document() -> None:
    invoice = next(s for s in SAMPLES.values() if s.request.invoice is not None)

    with pytest.raises(ValueError, match="only applications"):
        case_document(invoice.request)
