"""tests/peers/dms.py: the stand-in DMS validates, files once, answers 0629 and 0630."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "formats" / "xdomea"))

from xdomea_cases import example_request

from hub.formats.xdomea import (
    FilingPackage,
    FilingSettings,
    Party,
    parse_confirmation,
    render_filing,
)
from hub.runtime.local import PROJECT_ROOT
from tests.peers.dms import DMS_KEY, create_app

SETTINGS = FilingSettings(
    sender=Party("ikz-hub", "IKZ Hub"), recipient=Party("064310002002", "Stadt Bensheim")
)


def _package(stem: str = "gewerbe-anmelden-bensheim", version: str = "3.1.0") -> FilingPackage:
    request, docs = example_request(stem)
    return render_filing(
        request,
        docs,
        FilingSettings(sender=SETTINGS.sender, recipient=SETTINGS.recipient, version=version),
    )  # type: ignore[arg-type]


def _without(package: FilingPackage, drop: str) -> bytes:
    """The package's ZIP with one entry left out."""
    src = zipfile.ZipFile(io.BytesIO(package.content))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in src.namelist():
            if name != drop:
                out.writestr(name, src.read(name))
    return buf.getvalue()


async def _client(tmp_path: Path, **kwargs: Any) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(tmp_path / "state", **kwargs)))
    await client.start_server()
    return client


async def _post(client: TestClient[Any, Any], data: bytes) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        "/packages", data=data, headers={"Content-Type": "application/zip"}
    )
    return response.status, await response.json(content_type=None)


async def _stats(client: TestClient[Any, Any]) -> dict[str, Any]:
    return dict(await (await client.get("/_stats")).json())


@pytest.mark.parametrize("version", ["3.1.0", "3.0.0"])
async def test_http_files_a_valid_package_once_and_answers_0629_then_0630(
    tmp_path: Path, version: str
) -> None:
    package = _package(version=version)
    client = await _client(tmp_path)
    try:
        first = await _post(client, package.content)
        again = await _post(client, package.content)
        stats = await _stats(client)
    finally:
        await client.close()

    receipt, imported = (
        parse_confirmation(first[1]["receipt"].encode()),
        parse_confirmation(first[1]["import"].encode()),
    )
    assert (200, False, True) == (first[0], first[1]["duplicate"], again[1]["duplicate"])
    assert ("received", package.prozess_id) == (receipt.kind, receipt.prozess_id)
    assert ("imported", package.prozess_id, True, version) == (
        imported.kind,
        imported.prozess_id,
        imported.success,
        imported.version,
    )
    assert imported.record_id is not None
    assert first[1]["import"] == again[1]["import"]
    assert (2, 1, 1, 0) == (stats["seen"], stats["filed"], stats["duplicates"], stats["rejected"])
    assert [package.prozess_id] == stats["filedIds"]
    assert package.content == (tmp_path / "state" / "filed" / package.filename).read_bytes()


async def test_reject_mode_answers_a_negative_0630_with_the_reason(tmp_path: Path) -> None:
    client = await _client(tmp_path)
    try:
        await client.post("/_control", json={"mode": "reject", "reason": "Aktenplan gesperrt"})
        _status, body = await _post(client, _package().content)
        stats = await _stats(client)
    finally:
        await client.close()

    imported = parse_confirmation(body["import"].encode())
    assert (False, "0605005: Datei kann im DMS nicht abgelegt werden.; Aktenplan gesperrt") == (
        imported.success,
        imported.reason,
    )
    assert (0, 1) == (stats["filed"], stats["rejected"])


async def test_silent_mode_sends_only_the_receipt_and_a_resend_is_filed_later(
    tmp_path: Path,
) -> None:
    package = _package()
    client = await _client(tmp_path)
    try:
        await client.post("/_control", json={"mode": "silent"})
        _s, silent = await _post(client, package.content)
        await client.post("/_control", json={"mode": "accept"})
        _s, later = await _post(client, package.content)
        stats = await _stats(client)
    finally:
        await client.close()

    assert (None, False) == (silent["import"], later["duplicate"])
    assert parse_confirmation(later["import"].encode()).success
    assert (1, 1) == (stats["silenced"], stats["filed"])


async def test_down_mode_answers_503(tmp_path: Path) -> None:
    client = await _client(tmp_path)
    try:
        await client.post("/_control", json={"mode": "down"})
        status, _body = await _post(client, _package().content)
        stats = await _stats(client)
    finally:
        await client.close()

    assert (503, 0) == (status, stats["filed"])


async def test_a_package_missing_a_primary_document_is_refused(tmp_path: Path) -> None:
    package = _package()
    missing = package.entries[-1].name
    client = await _client(tmp_path)
    try:
        _s, body = await _post(client, _without(package, missing))
    finally:
        await client.close()

    imported = parse_confirmation(body["import"].encode())
    assert (
        False,
        f"0605004: Datei kann nicht gefunden werden.; Primärdokumente fehlen: {missing}",
    ) == (imported.success, imported.reason)


async def test_a_message_that_breaks_the_schema_is_refused(tmp_path: Path) -> None:
    package = _package()
    broken = package.message.replace(b"<xdomea:Stapel>0</xdomea:Stapel>", b"")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for e in package.entries:
            data = (
                broken
                if e.name.endswith(".xml")
                else zipfile.ZipFile(io.BytesIO(package.content)).read(e.name)
            )
            out.writestr(e.name, data)
    client = await _client(tmp_path)
    try:
        _s, body = await _post(client, buf.getvalue())
    finally:
        await client.close()

    reason = parse_confirmation(body["import"].encode()).reason
    assert (
        reason is not None
        and reason.startswith("Nachricht nicht schemakonform")
        and "Stapel" in reason
    )


async def test_bytes_that_are_no_package_get_400(tmp_path: Path) -> None:
    client = await _client(tmp_path)
    try:
        status, body = await _post(client, b"not a zip")
        stats = await _stats(client)
    finally:
        await client.close()

    assert (400, 1, 1) == (status, stats["seen"], stats["invalid"])
    assert "kein Ablagepaket" in body["title"]


async def test_directory_mode_files_inbox_packages_and_writes_answers(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    good, other = _package(), _package("hundesteuer-anmelden-viernheim", "3.0.0")
    (inbox / good.filename).write_bytes(good.content)
    (inbox / other.filename).write_bytes(other.content)
    (inbox / "unrelated.txt").write_text("ignored")
    client = await _client(tmp_path, inbox=inbox, outbox=outbox, poll_seconds=0.02)
    try:
        for _ in range(200):
            if len(list(outbox.glob("*.xml"))) == 4:
                break
            await asyncio.sleep(0.02)
        stats = await _stats(client)
    finally:
        await client.close()

    names = sorted(p.name for p in outbox.iterdir())
    expected = sorted(
        f"{p.prozess_id}_FVDaten.{m}.xml"
        for p in (good, other)
        for m in ("EmpfangBestaetigen.0629", "ImportBestaetigen.0630")
    )
    assert expected == names
    assert ["unrelated.txt"] == [p.name for p in inbox.iterdir()]
    assert all(parse_confirmation((outbox / n).read_bytes()).success for n in names)
    assert (2, 2) == (stats["seen"], stats["filed"])


async def test_directory_mode_down_leaves_the_inbox_alone(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    package = _package()
    (inbox / package.filename).write_bytes(package.content)
    app = create_app(tmp_path / "state")
    dms = app[DMS_KEY]
    dms.mode = "down"

    taken_down = dms.scan(inbox, outbox)
    dms.mode = "reject"
    taken = dms.scan(inbox, outbox)

    assert (0, 1) == (taken_down, taken)
    assert not parse_confirmation(
        (outbox / f"{package.prozess_id}_FVDaten.ImportBestaetigen.0630.xml").read_bytes()
    ).success
    assert (tmp_path / "state" / "rejected" / package.filename).exists()


def test_root_mode_serves_every_tenant_and_moves_filed_packages(tmp_path: Path) -> None:
    root = tmp_path / "var"
    good, other = _package(), _package("hundesteuer-anmelden-viernheim", "3.0.0")
    for tenant, package in (("bensheim", good), ("viernheim", other)):
        (root / tenant / "dms").mkdir(parents=True)
        (root / tenant / "dms" / package.filename).write_bytes(package.content)
    (root / "viernheim" / "steuer").mkdir()  # another connector's folder: not the DMS's
    (root / "viernheim" / "steuer" / good.filename).write_bytes(good.content)
    dms = create_app(tmp_path / "state", root=root)[DMS_KEY]

    taken = dms.scan_root(root)

    assert 2 == taken
    for tenant, package in (("bensheim", good), ("viernheim", other)):
        assert [] == list((root / tenant / "dms").iterdir())
        assert package.content == (root / tenant / "dms-filed" / package.filename).read_bytes()
        answers = sorted(p.name for p in (root / tenant / "dms-outbox").iterdir())
        assert [f"{package.prozess_id}_FVDaten.EmpfangBestaetigen.0629.xml",
                f"{package.prozess_id}_FVDaten.ImportBestaetigen.0630.xml"] == answers  # fmt: skip
    assert (root / "viernheim" / "steuer" / good.filename).exists()


def test_answers_survive_a_restart_so_repeats_stay_duplicates(tmp_path: Path) -> None:
    package = _package()
    create_app(tmp_path / "state")[DMS_KEY].receive(package.content)

    again = create_app(tmp_path / "state")[DMS_KEY]
    answer = again.receive(package.content)

    assert (True, [package.prozess_id], 0) == (
        answer.duplicate,
        again.stats()["filedIds"],
        again.stats()["filed"],
    )


def test_help_explains_every_option_and_endpoint() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tests.peers.dms", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    for word in ("--port", "--state", "--inbox", "--outbox", "--root", "--poll", "--xsd-root", "--mode",
                 "POST /packages", "POST /_control", "GET  /_stats", "GET  /healthz", "silent", "down"):  # fmt: skip
        assert word in out
