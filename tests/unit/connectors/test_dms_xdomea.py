"""dms.xdomea's confirmation loop: delivered only once the DMS's 0630 says imported.

Against the stand-in DMS (tests/peers/dms.py) in-process, in directory and HTTP mode, and
against outbox files written by the test.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pikepdf
import pytest
import structlog
from aiohttp import web

from hub.config.tenants import ConnectorConfig
from hub.connectors.dms_xdomea import DmsXdomeaConnector
from hub.connectors.dms_xdomea.confirm import ConfirmationOptions, wait_for_import
from hub.delivery.connector import Document
from hub.delivery.errors import ConnectorConfigError, PermanentError, TransientError
from hub.delivery.transports import HttpPost
from hub.formats.xdomea import (
    Party,
    build_import_0630,
    build_receipt_0629,
    confirmation_filename,
    read_filing,
)
from hub.sdk.testing import TENANT, Sample, load_samples
from tests.peers.dms import DMS_KEY, create_app
from tests.unit.peers._serve import serving

SAMPLE: Sample = next(s for s in load_samples("dms.xdomea", "dms") if s.name.startswith("gewerbe"))
DID = SAMPLE.request.delivery_id
REASON = "Aktenplaneinheit 32.10.01 ist im DMS nicht angelegt"
DMS, HUB = Party("064310002002", "Stadt Bensheim"), Party("ikz-hub", "IKZ Hub")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def connector(
    inbox: Path, outbox: Path | None, *, timeout: float = 5.0, **options: Any
) -> DmsXdomeaConnector:
    if outbox is not None:
        options["confirmations"] = {"outbox": str(outbox), "timeout_seconds": timeout,
                                    "poll_seconds": 0.02}  # fmt: skip
    config = ConnectorConfig.model_validate(
        {"kind": "dms.xdomea", "transport": {"type": "directory", "path": str(inbox)},
         "options": options}
    )  # fmt: skip
    return DmsXdomeaConnector(TENANT, "dms", config)


def http_connector(url: str, client: httpx.Client) -> DmsXdomeaConnector:
    config = ConnectorConfig.model_validate(
        {"kind": "dms.xdomea", "transport": {"type": "http", "url": f"{url}/packages"}}
    )
    return DmsXdomeaConnector(
        TENANT, "dms", config, transport=HttpPost(f"{url}/packages", client=client)
    )


@pytest.fixture(scope="module")
def package() -> Document:
    """The gewerbe sample rendered once (the PDF costs a few hundred ms)."""
    return connector(Path("/nonexistent"), None).render(SAMPLE.request, SAMPLE.attachments)


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[web.Application, Path, Path]]:
    """The stand-in DMS watching ``tmp_path/inbox``, answering into ``tmp_path/outbox``."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    app = create_app(tmp_path / "state", inbox=inbox, outbox=outbox, poll_seconds=0.02)
    with serving(app):
        yield app, inbox, outbox


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c


def test_the_antrag_is_filed_as_pdf_a_beside_the_form_json(package: Document) -> None:
    with zipfile.ZipFile(io.BytesIO(package.content)) as z:
        summary = read_filing(z.read(f"{DID}_FVDaten.SGOAblegen.0605.xml"))
        antrag_pdf, antrag_json = summary.primary_files[:2]
        pdf = z.read(antrag_pdf)

    assert (antrag_pdf.endswith("_antrag.pdf"), antrag_json.endswith("_antrag.json")) == (
        True,
        True,
    )
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        meta = doc.open_metadata()
        assert ("2", "U") == (meta["pdfaid:part"], meta["pdfaid:conformance"])  # PDF/A-2u


def test_a_positive_0630_delivers_with_the_dms_record_id_and_the_wait(
    watched: tuple[web.Application, Path, Path], package: Document
) -> None:
    app, inbox, outbox = watched

    receipt = connector(inbox, outbox).deliver(package, DID)

    assert DID in app[DMS_KEY].filed_ids
    assert receipt.reference != package.filename and len(receipt.reference) == 36  # IDSGO
    assert receipt.confirmation_seconds is not None and 0 < receipt.confirmation_seconds < 5
    assert (outbox / confirmation_filename(DID, "received")).exists()
    assert not receipt.duplicate


def test_a_repeat_after_the_answer_drops_nothing_and_is_a_duplicate(
    watched: tuple[web.Application, Path, Path], package: Document
) -> None:
    app, inbox, outbox = watched
    first = connector(inbox, outbox).deliver(package, DID)

    again = connector(inbox, outbox).deliver(package, DID)

    assert (first.reference, True) == (again.reference, again.duplicate)
    assert 1 == app[DMS_KEY].counts["seen"]  # no second drop


def test_a_negative_0630_is_permanent_and_carries_the_dms_reason(
    watched: tuple[web.Application, Path, Path], package: Document
) -> None:
    app, inbox, outbox = watched
    app[DMS_KEY].mode, app[DMS_KEY].reason = "reject", REASON

    with pytest.raises(PermanentError) as info:
        connector(inbox, outbox).deliver(package, DID)

    assert "dms_rejected" == info.value.reason
    assert REASON in info.value.message


def test_a_silent_dms_is_transient_after_the_configured_timeout_and_the_0629_is_noted(
    watched: tuple[web.Application, Path, Path], package: Document
) -> None:
    app, inbox, outbox = watched
    app[DMS_KEY].mode = "silent"
    started = time.monotonic()

    with structlog.testing.capture_logs() as logs, pytest.raises(TransientError) as info:
        connector(inbox, outbox, timeout=0.4).deliver(package, DID)

    waited = time.monotonic() - started
    assert "no_confirmation" == info.value.reason
    assert "0629" in info.value.message and "not the import" in info.value.message
    assert 0.4 <= waited < 3
    assert "dms.receipt_confirmed" in [e["event"] for e in logs]


def test_a_silent_dms_then_accepting_files_the_redrop_once(
    watched: tuple[web.Application, Path, Path], package: Document
) -> None:
    app, inbox, outbox = watched
    app[DMS_KEY].mode = "silent"
    with pytest.raises(TransientError):
        connector(inbox, outbox, timeout=0.3).deliver(package, DID)
    app[DMS_KEY].mode = "accept"

    receipt = connector(inbox, outbox).deliver(package, DID)

    assert ([DID], 2) == (app[DMS_KEY].filed_ids, app[DMS_KEY].counts["seen"])
    assert receipt.confirmation_seconds is not None


def _write(outbox: Path, kind: str, xml: bytes, name_id: str = DID) -> None:
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / confirmation_filename(name_id, kind)).write_bytes(xml)  # type: ignore[arg-type]


def test_waiting_reads_files_that_arrive_later_with_a_fake_clock(tmp_path: Path) -> None:
    outbox, now, sleeps = tmp_path / "outbox", [0.0], []
    positive = build_import_0630(DID, sender=DMS, recipient=HUB, created_at=NOW, success=True,
                                 record_id="5d0c6b1e-2f8a-4c3e-9b7d-1a2b3c4d5e6f")  # fmt: skip

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds
        if len(sleeps) == 2:
            _write(
                outbox,
                "received",
                build_receipt_0629(DID, sender=DMS, recipient=HUB, created_at=NOW),
            )
        if len(sleeps) == 5:
            _write(outbox, "imported", positive)

    options = ConfirmationOptions(outbox=outbox, timeout_seconds=30, poll_seconds=0.5)
    confirmed = wait_for_import(outbox, DID, options, clock=lambda: now[0], sleep=sleep)

    assert confirmed.received is not None and confirmed.imported.success
    assert [0.05, 0.1, 0.2, 0.4, 0.5] == sleeps  # fast first, then every poll_seconds
    assert pytest.approx(1.25) == confirmed.seconds


def test_an_unreadable_or_foreign_confirmation_is_transient(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    options = ConfirmationOptions(outbox=outbox, timeout_seconds=1)
    other = "0b5e7a52-8a7e-4b8e-9d1e-3c2a1b0f9e8d"
    _write(outbox, "imported", b"<not-xdomea/>")
    with pytest.raises(TransientError) as unreadable:
        wait_for_import(outbox, DID, options)
    foreign = build_import_0630(other, sender=DMS, recipient=HUB, created_at=NOW, success=True)
    _write(outbox, "imported", foreign)

    with pytest.raises(TransientError) as mismatch:
        wait_for_import(outbox, DID, options)

    assert ("confirmation_unreadable",) * 2 == (unreadable.value.reason, mismatch.value.reason)
    assert other not in mismatch.value.message and DID in mismatch.value.message


def test_without_confirmations_the_drop_is_the_delivery(tmp_path: Path, package: Document) -> None:
    receipt = connector(tmp_path / "inbox", None).deliver(package, DID)

    assert (package.filename, None) == (receipt.reference, receipt.confirmation_seconds)
    assert (tmp_path / "inbox" / package.filename).exists()


def test_http_mode_reads_the_confirmations_from_the_answer(
    tmp_path: Path, package: Document, client: httpx.Client
) -> None:
    app = create_app(tmp_path / "state")
    with serving(app) as url:
        first = http_connector(url, client).deliver(package, DID)
        again = http_connector(url, client).deliver(package, DID)
        app[DMS_KEY].mode, app[DMS_KEY].reason = "reject", REASON
        other = SAMPLE.request.model_copy(
            update={"delivery_id": "0b5e7a52-8a7e-4b8e-9d1e-3c2a1b0f9e8d"}
        )
        refused = http_connector(url, client).render(other, SAMPLE.attachments)
        with pytest.raises(PermanentError) as rejected:
            http_connector(url, client).deliver(refused, other.delivery_id)
        app[DMS_KEY].mode = "silent"
        third = SAMPLE.request.model_copy(
            update={"delivery_id": "7f3d9c2e-1b4a-4e6f-8a9b-0c1d2e3f4a5b"}
        )
        with pytest.raises(TransientError) as silent:
            http_connector(url, client).deliver(
                http_connector(url, client).render(third, SAMPLE.attachments), third.delivery_id
            )

    assert (False, True, first.reference) == (first.duplicate, again.duplicate, again.reference)
    assert first.confirmation_seconds is not None
    assert ("dms_rejected", True) == (rejected.value.reason, REASON in rejected.value.message)
    assert "no_confirmation" == silent.value.reason


@pytest.mark.parametrize(
    ("transport", "options", "field"),
    [
        ({"type": "http", "url": "http://dms.test/packages"}, {"confirmations": {"outbox": "o"}},
         "options.confirmations"),
        ({"type": "directory", "path": "i"}, {"confirmations": {"outbox": "o", "timeout_seconds": 0}},
         "options.confirmations.timeout_seconds"),
        ({"type": "directory", "path": "i"}, {"confirmations": {"timeout_seconds": 5}},
         "options.confirmations.outbox"),
        ({"type": "directory", "path": "i"}, {"antrag": "docx"}, "options.antrag"),
    ],
)  # fmt: skip
def test_bad_confirmation_options_name_the_field(
    transport: dict[str, Any], options: dict[str, Any], field: str
) -> None:
    config = ConnectorConfig.model_validate(
        {"kind": "dms.xdomea", "transport": transport, "options": options}
    )
    with pytest.raises(ConnectorConfigError) as info:
        DmsXdomeaConnector(TENANT, "dms", config)

    assert field == info.value.field
