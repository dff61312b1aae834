"""``hub routes explain --render``: what each target would receive, and a non-zero exit when the
document would be refused, by intake or by a target (a mapping that fails on the case)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring

from hub.cli import main
from hub.config import HubConfig
from hub.intake.explain import describe_document, explain, render_targets
from tests.conftest import EXAMPLES

XGA = "{http://www.xgewerbeanzeige.de/spezifikation/2.2}"


def _example(stem: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{stem}.json").read_text())
    return data


def _explain(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    monkeypatch.setenv("HUB_CONFIG_DIR", str(Path(__file__).parents[3] / "config"))
    rc = main(["routes", "explain", *argv])
    return rc, capsys.readouterr().out


def _section(out: str, heading: str) -> list[str]:
    """The indented lines below the ``--- heading`` line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"--- {heading}"))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        body.append(line[4:])
    return body


def test_gewerbe_renders_the_xgewerbeanzeige_message_and_the_dms_package(
    portal_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rc, out = _explain(
        ["--render", str(EXAMPLES / "gewerbe-anmelden-bensheim.json")], capsys, monkeypatch
    )

    assert 0 == rc
    assert "--- bensheim/gewerbe (procedure.xoev): XML, " in out
    root = fromstring("\n".join(_section(out, "bensheim/gewerbe")).encode())
    assert f"{XGA}abh.gewerbemeldung.0500" == root.tag
    anmeldung = root.find(f"{XGA}satz/{XGA}anmeldung")
    assert anmeldung is not None
    assert "Bensheim" == anmeldung.findtext(f"{XGA}gewerbe/{XGA}anschrift/{XGA}ort")
    assert "Demir" == anmeldung.findtext(f"{XGA}gewerbe/{XGA}beteiligtePerson/{XGA}familienname")
    # the DMS package: entries and sizes, never the bytes
    dms = _section(out, "bensheim/dms")
    assert any(line.endswith("_FVDaten.SGOAblegen.0605.xml") for line in dms)
    scan = next(line for line in dms if line.endswith("_personalausweis.pdf"))
    attachment = _example("gewerbe-anmelden-bensheim")["attachments"][0]
    assert attachment["size"] == int(scan.split()[0])
    assert "%PDF" not in out


def test_geburtsurkunde_renders_the_mapped_standesamt_order(
    portal_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rc, out = _explain(
        ["--render", str(EXAMPLES / "geburtsurkunde-viernheim.json")], capsys, monkeypatch
    )

    assert 0 == rc
    order = json.loads("\n".join(_section(out, "viernheim/standesamt (procedure.rest)")))
    assert {"art": "GU", "anzahl": 2, "versand": "POST", "zweck": "Eheschließung"} == order[
        "urkunde"
    ]
    assert "11.02.1987" == order["beurkundetePerson"]["geburtsdatum"]
    assert "24,00" == order["gebuehr"]["betrag"]


def test_without_render_nothing_is_rendered(
    portal_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rc, out = _explain([str(EXAMPLES / "geburtsurkunde-viernheim.json")], capsys, monkeypatch)

    assert 0 == rc
    assert "=> routed: viernheim/standesamt (procedure.rest)" in out
    assert "---" not in out


def test_a_case_the_mapping_fails_on_exits_non_zero_naming_target_and_pointer(
    portal_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    body = _example("geburtsurkunde-viernheim")
    del body["formData"]["urkunde"]["art"]
    path = tmp_path / "ohne-art.json"
    path.write_text(json.dumps(body))

    rc, out = _explain(["--render", str(path)], capsys, monkeypatch)

    assert 1 == rc
    assert (
        "--- viernheim/standesamt (procedure.rest): would refuse it (mapping_failed): "
        "mapping failed: urkunde.art <- /formData/urkunde/art: required value missing"
    ) in out.splitlines()


def test_a_document_intake_would_refuse_exits_non_zero(
    portal_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    body = _example("gewerbe-anmelden-bensheim")
    body["authority"].update(ags="06999999", ars="069999999999")
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps(body))
    good = EXAMPLES / "hundesteuer-anmelden-viernheim.json"

    rc, out = _explain([str(good), str(unknown)], capsys, monkeypatch)

    assert 1 == rc
    assert "=> refused at intake (422 unknown_authority)" in out
    assert "=> routed: viernheim/steuer (dms.xdomea), viernheim/dms (dms.xdomea)" in out


def test_every_example_renders_for_every_target(hub_config: HubConfig) -> None:
    for path in sorted(EXAMPLES.glob("*.json")):
        exp = explain(path.read_bytes(), hub_config)
        lines, refused = render_targets(exp, hub_config)
        assert not refused, (path.name, lines)
        assert len(exp.requests) == sum(1 for line in lines if line.startswith("--- "))


def test_long_base64_is_shown_by_its_length_and_the_rest_exactly() -> None:
    data = b"%PDF-1.7 " + bytes(range(256)) * 40
    encoded = base64.b64encode(data).decode()
    doc = {
        "a": {"b": "x" * 200},
        "attachments": [{"sha256": hashlib.sha256(data).hexdigest(), "contentBase64": encoded}],
        "short": [{"contentBase64": "QUJD"}],
    }

    head, *body = describe_document(json.dumps(doc).encode())

    shown = json.loads("\n".join(body))
    assert f"JSON, {len(json.dumps(doc))} bytes:" == head
    assert f"<{len(encoded)} characters of base64>" == shown["attachments"][0]["contentBase64"]
    assert doc["a"] == shown["a"]
    assert doc["short"] == shown["short"]


def test_archives_list_entries_with_sizes_and_pdfs_only_their_size() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nachricht.xml", "<a/>" * 1000)
        archive.writestr("scan.pdf", b"\0" * 3_000_000)

    head, *entries = describe_document(buffer.getvalue())

    assert head.startswith("ZIP, ") and head.endswith(" bytes, 2 entries:")
    assert [("4000", "nachricht.xml"), ("3000000", "scan.pdf")] == [
        tuple(e.split()) for e in entries
    ]
    assert ["PDF, 9 bytes"] == describe_document(b"%PDF-1.7\n")
