"""The stand-in Gewerbe register: checks messages, registers once per key, fails on command."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.config.tenants import ConnectorConfig
from hub.connectors.procedure_xoev import ProcedureXoevConnector
from hub.delivery.errors import PermanentError, TransientError
from hub.delivery.transports import HttpPost
from hub.runtime.local import PROJECT_ROOT
from hub.sdk.testing import TENANT, load_samples
from tests.peers.gewerberegister import create_app, parser, refusal

from ._serve import serving


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


@pytest.fixture
def short() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=0.1) as c:
        yield c


SAMPLE = next(s for s in load_samples("procedure.xoev", "gewerbe") if s.name.startswith("gewerbe"))
OFFICIAL = PROJECT_ROOT.parent / "shared" / "standards" / "xgewerbeanzeige" / "examples"


def connector(url: str, client: httpx.Client) -> ProcedureXoevConnector:
    os.environ.setdefault("HUB_MAPPINGS_DIR", str(PROJECT_ROOT / "config" / "mappings"))
    config = ConnectorConfig.model_validate(
        {
            "kind": "procedure.xoev",
            "transport": {"type": "http", "url": f"{url}/xgewerbeanzeige"},
            "options": {
                "mappings": {"99050012104000": "gewerbe-anmelden-xgewerbeanzeige"},
                "reference": "/aktenzeichen",
            },
        }
    )
    return ProcedureXoevConnector(
        TENANT, "gewerbe", config, transport=HttpPost(config.transport.url, client=client)
    )  # type: ignore[union-attr]


def test_the_official_example_is_accepted_and_broken_messages_are_not() -> None:
    official = (OFFICIAL / "xgwa2.2-valid.xml").read_bytes()

    assert refusal(official) is None
    assert "wohlgeformt" in (refusal(official[:-40]) or "")
    assert "keine XGewerbeanzeige 2.2" in (
        refusal((OFFICIAL / "xgwa2.1-valid.xml").read_bytes()) or ""
    )
    assert "taetigkeitSchwerpunkt" in (
        refusal(
            official.replace(b"<xga:taetigkeitSchwerpunkt>Friseur", b"<xga:taetigkeitSchwerpunkt>")
        )
        or ""
    )
    assert refusal(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>') is not None


def test_the_hub_hands_a_gewerbeanmeldung_over_once_and_keeps_the_aktenzeichen(
    tmp_path: Path, client: httpx.Client
) -> None:
    with serving(create_app(tmp_path)) as url:
        hub = connector(url, client)
        document = hub.render(SAMPLE.request, SAMPLE.attachments)

        first = hub.deliver(document, SAMPLE.request.delivery_id)
        again = hub.deliver(document, SAMPLE.request.delivery_id)
        stats = client.get(f"{url}/_stats").json()

    assert ("GEW-2026-000123", False) == (first.reference, first.duplicate)
    assert ("GEW-2026-000123", True) == (again.reference, again.duplicate)
    assert (1, 2) == (stats["registrations"], stats["posts"])


def test_registrations_survive_a_restart(tmp_path: Path, client: httpx.Client) -> None:
    with serving(create_app(tmp_path)) as url:
        hub = connector(url, client)
        hub.deliver(hub.render(SAMPLE.request, {}), "key-1")
    with serving(create_app(tmp_path)) as url:
        receipt = connector(url, client).deliver(hub.render(SAMPLE.request, {}), "key-1")

    assert ("GEW-2026-000123", True) == (receipt.reference, receipt.duplicate)


def test_it_can_be_told_to_reject_be_down_or_be_slow(
    tmp_path: Path, client: httpx.Client, short: httpx.Client
) -> None:
    with serving(create_app(tmp_path)) as url:
        hub = connector(url, client)
        document = hub.render(SAMPLE.request, {})
        client.post(f"{url}/_control", json={"mode": "reject"})
        with pytest.raises(PermanentError, match="Annahme verweigert"):
            hub.deliver(document, "k-1")
        client.post(f"{url}/_control", json={"mode": "unavailable", "retry_after": "30"})
        with pytest.raises(TransientError) as down:
            hub.deliver(document, "k-1")
        client.post(f"{url}/_control", json={"mode": "up", "delay_seconds": 0.3})
        slow = HttpPost(f"{url}/xgewerbeanzeige", client=short)
        with pytest.raises(TransientError) as timeout:
            slow.send(document, "k-1")

    assert (503, 30.0) == (int(down.value.reason.split("_")[1]), down.value.retry_after_seconds)
    assert "timeout" == timeout.value.reason


def test_requests_without_key_or_with_the_wrong_type_are_refused(
    tmp_path: Path, client: httpx.Client
) -> None:
    with serving(create_app(tmp_path, token="t0ken")) as url:
        no_auth = client.post(
            f"{url}/xgewerbeanzeige", content=b"<x/>", headers={"Idempotency-Key": "k"}
        )
        auth = {"Authorization": "Bearer t0ken"}
        no_key = client.post(f"{url}/xgewerbeanzeige", content=b"<x/>", headers=auth)
        json_body = client.post(
            f"{url}/xgewerbeanzeige", json={}, headers={**auth, "Idempotency-Key": "k"}
        )

    assert (401, 400, 415) == (no_auth.status_code, no_key.status_code, json_body.status_code)


def test_help_describes_every_option_and_endpoint() -> None:
    text = parser().format_help()

    for word in (
        "--port",
        "--state",
        "--token",
        "--year",
        "POST /xgewerbeanzeige",
        "POST /_control",
        "GET  /_stats",
        "GET  /healthz",
        "unavailable",
        "hang",
        "reject",
        "delay_seconds",
    ):
        assert word in text
