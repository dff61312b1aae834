"""The stand-in Standesamt: checks orders, takes each once per key, fails on command."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.config.tenants import ConnectorConfig
from hub.connectors.procedure_rest import ProcedureRestConnector
from hub.delivery.errors import PermanentError, TransientError
from hub.delivery.transports import HttpPost
from hub.runtime.local import PROJECT_ROOT
from hub.sdk.testing import TENANT, load_samples
from tests.peers.standesamt import create_app, parser, refusal

from ._serve import serving


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


@pytest.fixture
def short() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=0.1) as c:
        yield c


SAMPLE = next(
    s for s in load_samples("procedure.rest", "standesamt") if s.name.startswith("geburt")
)


def connector(url: str, client: httpx.Client) -> ProcedureRestConnector:
    os.environ.setdefault("HUB_MAPPINGS_DIR", str(PROJECT_ROOT / "config" / "mappings"))
    config = ConnectorConfig.model_validate(
        {
            "kind": "procedure.rest",
            "transport": {"type": "http", "url": f"{url}/auftraege"},
            "options": {
                "mappings": {"99027002012000": "geburtsurkunde-standesamt"},
                "reference": "/auftragsnummer",
            },
        }
    )
    return ProcedureRestConnector(
        TENANT, "standesamt", config, transport=HttpPost(config.transport.url, client=client)
    )  # type: ignore[union-attr]


GOOD: dict[str, Any] = {
    "vorgang": {"referenz": "c-1"},
    "antragsteller": {"familienname": "Schäfer", "vornamen": "Mira"},
    "urkunde": {"art": "GU", "anzahl": 2},
    "beurkundetePerson": {"familienname": "Schäfer", "geburtsdatum": "11.02.1987"},
}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({}, None),
        ({"urkunde": {"art": "XX", "anzahl": 1}}, "urkunde.art"),
        ({"urkunde": {"art": "GU", "anzahl": 0}}, "urkunde.anzahl"),
        (
            {"beurkundetePerson": {"familienname": "S", "geburtsdatum": "1987-02-11"}},
            "beurkundetePerson.geburtsdatum",
        ),
        ({"antragsteller": {"familienname": "Schäfer"}}, "antragsteller.vornamen"),
        ({"vorgang": {"referenz": ""}}, "vorgang.referenz"),
    ],
)
def test_orders_need_their_fields(change: dict[str, Any], reason: str | None) -> None:
    found = refusal({**GOOD, **change})

    assert reason is None if reason is None else reason in (found or ""), found
    if reason is None:
        assert found is None


def test_the_hub_orders_a_geburtsurkunde_once_and_keeps_the_auftragsnummer(
    tmp_path: Path, client: httpx.Client
) -> None:
    with serving(create_app(tmp_path)) as url:
        hub = connector(url, client)
        document = hub.render(SAMPLE.request, SAMPLE.attachments)

        first = hub.deliver(document, SAMPLE.request.delivery_id)
        again = hub.deliver(document, SAMPLE.request.delivery_id)
        stats = client.get(f"{url}/_stats").json()

    assert ("STA-2026-000001", False) == (first.reference, first.duplicate)
    assert ("STA-2026-000001", True) == (again.reference, again.duplicate)
    assert (1, 2, "GU", 2) == (
        stats["auftraege"],
        stats["posts"],
        stats["received"][0]["art"],
        stats["received"][0]["anzahl"],
    )


def test_it_can_be_told_to_reject_be_down_or_hang(
    tmp_path: Path, client: httpx.Client, short: httpx.Client
) -> None:
    with serving(create_app(tmp_path)) as url:
        hub = connector(url, client)
        document = hub.render(SAMPLE.request, {})
        client.post(f"{url}/_control", json={"mode": "reject"})
        with pytest.raises(PermanentError, match="422"):
            hub.deliver(document, "k-1")
        client.post(f"{url}/_control", json={"mode": "unavailable"})
        with pytest.raises(TransientError, match="503"):
            hub.deliver(document, "k-1")
        client.post(f"{url}/_control", json={"mode": "hang"})
        with pytest.raises(TransientError) as hung:
            HttpPost(f"{url}/auftraege", client=short).send(document, "k-1")
        client.post(f"{url}/_control", json={"mode": "up"})
        receipt = hub.deliver(document, "k-1")

    assert "timeout" == hung.value.reason
    assert "STA-2026-000001" == receipt.reference


def test_invalid_json_and_missing_key_are_refused(tmp_path: Path, client: httpx.Client) -> None:
    with serving(create_app(tmp_path)) as url:
        bad = client.post(
            f"{url}/auftraege",
            content=b"{",
            headers={"Idempotency-Key": "k", "Content-Type": "application/json"},
        )
        no_key = client.post(f"{url}/auftraege", json=GOOD)

    assert (422, 400) == (bad.status_code, no_key.status_code)


def test_help_describes_every_option_and_endpoint() -> None:
    text = parser().format_help()

    for word in (
        "--port",
        "--state",
        "--token",
        "--year",
        "POST /auftraege",
        "POST /_control",
        "GET  /_stats",
        "GET  /healthz",
        "unavailable",
        "hang",
        "reject",
        "delay_seconds",
    ):
        assert word in text
