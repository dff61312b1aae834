"""manual.mailbox: one case folder per application (cover sheet, PDF/A, JSON, attachments),
written atomically and once per delivery id; invoices stay the XML as received."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hub.config.tenants import ConnectorConfig
from hub.connectors.manual_mailbox import ManualMailboxConnector
from hub.delivery.errors import ConnectorConfigError, TransientError
from hub.sdk.testing import TENANT, Sample, load_samples

SAMPLES = load_samples("manual.mailbox", "clerk")
APPLICATION: Sample = next(s for s in SAMPLES if s.name.startswith("baugenehmigung"))
INVOICE: Sample = next(s for s in SAMPLES if s.request.invoice is not None)
TARGET = "Gewerbe-Fachverfahren"
INSTRUCTIONS = "Bitte im Fachverfahren als Neuanmeldung erfassen und die Anlagen scannen."


def mailbox(path: Path, **options: Any) -> ManualMailboxConnector:
    config = ConnectorConfig.model_validate(
        {"kind": "manual.mailbox", "transport": {"type": "directory", "path": str(path)},
         "options": options}
    )  # fmt: skip
    return ManualMailboxConnector(TENANT, "clerk", config)


def text_of(pdf: Path) -> str:
    """The text poppler extracts, whitespace collapsed (the layout wraps long lines)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         check=True, timeout=60).stdout.decode()  # fmt: skip
    return " ".join(out.split())


@pytest.fixture(scope="module")
def case_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The application delivered once into a fresh mailbox."""
    root = tmp_path_factory.mktemp("mailbox")
    clerk = mailbox(root, target_system=TARGET, instructions=INSTRUCTIONS)
    receipt = clerk.deliver(
        clerk.render(APPLICATION.request, APPLICATION.attachments), APPLICATION.request.delivery_id
    )
    assert (APPLICATION.request.delivery_id, False) == (receipt.reference, receipt.duplicate)
    return root / APPLICATION.request.delivery_id


def test_the_case_folder_holds_cover_sheet_pdf_json_and_every_attachment(case_folder: Path) -> None:
    app = APPLICATION.request.application
    assert app is not None
    attachments = [f"Anlage_{i + 1:02d}_{a.filename}" for i, a in enumerate(app.attachments)]

    assert sorted(
        ["00_Deckblatt.pdf", "01_Antrag.pdf", "01_Antrag.json", "SHA256SUMS", *attachments]
    ) == sorted(p.name for p in case_folder.iterdir())
    for name, att in zip(attachments, app.attachments, strict=True):
        assert APPLICATION.attachments[att.sha256] == (case_folder / name).read_bytes()
    assert (
        json.loads(app.form_data_json)
        == json.loads((case_folder / "01_Antrag.json").read_bytes())["formData"]
    )


def test_the_checksums_cover_every_file(case_folder: Path) -> None:
    lines = (case_folder / "SHA256SUMS").read_text().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)

    assert {p.name for p in case_folder.iterdir()} - {"SHA256SUMS"} == set(listed)
    for name, digest in listed.items():
        assert digest == hashlib.sha256((case_folder / name).read_bytes()).hexdigest()


def test_the_cover_sheet_says_what_to_do_where_and_under_which_case_id(case_folder: Path) -> None:
    text = text_of(case_folder / "00_Deckblatt.pdf")

    assert TARGET in text
    assert INSTRUCTIONS in text
    assert APPLICATION.request.envelope.case_id in text
    assert (case_folder / "01_Antrag.pdf").read_bytes().startswith(b"%PDF-")


def test_the_default_instructions_name_the_target_system(tmp_path: Path) -> None:
    clerk = mailbox(tmp_path, target_system="E-Akte Bauamt")

    assert "E-Akte Bauamt" in clerk.options.instruction_text()


def test_a_repeat_finds_the_folder_and_reports_a_duplicate(case_folder: Path) -> None:
    clerk = mailbox(case_folder.parent, target_system=TARGET, instructions=INSTRUCTIONS)
    before = {p.name: p.stat().st_mtime_ns for p in case_folder.iterdir()}

    again = clerk.deliver(
        clerk.render(APPLICATION.request, APPLICATION.attachments), APPLICATION.request.delivery_id
    )

    assert again.duplicate
    assert before == {p.name: p.stat().st_mtime_ns for p in case_folder.iterdir()}
    assert [case_folder.name] == [p.name for p in case_folder.parent.iterdir()]  # no temp left


def test_a_failure_while_writing_leaves_no_folder_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk = mailbox(tmp_path)
    document = clerk.render(APPLICATION.request, APPLICATION.attachments)
    calls = []

    def failing_fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)

    with pytest.raises(TransientError):
        clerk.deliver(document, APPLICATION.request.delivery_id)

    assert [] == list(tmp_path.iterdir())


def test_an_invoice_arrives_as_the_original_xml(tmp_path: Path) -> None:
    assert INVOICE.request.invoice is not None
    clerk = mailbox(tmp_path)

    receipt = clerk.deliver(
        clerk.render(INVOICE.request, INVOICE.attachments), INVOICE.request.delivery_id
    )

    (path,) = tmp_path.iterdir()
    assert path.name == receipt.reference and path.name.endswith(".xml")
    assert INVOICE.attachments[INVOICE.request.invoice.document.sha256] == path.read_bytes()


def test_every_delivery_is_a_media_break() -> None:
    assert ManualMailboxConnector.media_break


@pytest.mark.parametrize(
    ("options", "field"),
    [({"target_system": ""}, "options.target_system"), ({"instructions": ""}, "options.instructions"),
     ({"printer": "A4"}, "options.printer")],
)  # fmt: skip
def test_bad_options_name_the_field(tmp_path: Path, options: dict[str, Any], field: str) -> None:
    with pytest.raises(ConnectorConfigError) as info:
        mailbox(tmp_path, **options)

    assert field == info.value.field
