"""Procedures end to end on the real broker: the Gewerbe register and the Standesamt stand-ins.

With the shipped configuration, Bensheim's Gewerbe anmelden goes to the Gewerbe register as an
XGewerbeanzeige message and Viernheim's Geburtsurkunde to the Standesamt's REST import, both
built from their mappings. What matters is checked where it arrives: the mapped fields at the
stand-in, and the back office's own reference (Aktenzeichen, order number) in the status read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring

from hub.ids import delivery_id
from hub.runtime.local import PROJECT_ROOT
from hub.runtime.standins import StandIn
from tests.e2e.conftest import HubDriver

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

XGA = "{http://www.xgewerbeanzeige.de/spezifikation/2.2}"
GEWERBE = "gewerbe-anmelden-bensheim"
GEBURT = "geburtsurkunde-viernheim"


def hub_cli(hub: HubDriver, *args: str) -> subprocess.CompletedProcess[str]:
    """The ``hub`` command against this hub's topics."""
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env={**os.environ, **hub.hub.env()},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def delivery(view: dict[str, Any], connector: str) -> dict[str, Any]:
    found: dict[str, Any] = next(d for d in view["deliveries"] if d["connector"] == connector)
    return found


def taken(standin: StandIn, key: str) -> list[dict[str, Any]]:
    """What the stand-in took under one idempotency key (a list: it must hold one)."""
    entries = standin.stats().get("registered") or standin.stats().get("received") or []
    return [e for e in entries if e["key"] == key]


def test_gewerbe_anmelden_reaches_the_register_mapped_with_its_aktenzeichen_in_the_status(
    running_hub: HubDriver, procedure_standins: dict[str, StandIn]
) -> None:
    register = procedure_standins["gewerberegister"]
    body = running_hub.example(GEWERBE)

    case = running_hub.post(body).body["applicationId"]
    view = running_hub.wait_final(case)

    assert ("completed", []) == (view["status"], view["reasons"])
    [entry] = taken(register, delivery_id(case, "bensheim", "gewerbe"))
    assert delivery(view, "gewerbe")["reference"] == entry["aktenzeichen"]
    assert entry["aktenzeichen"].startswith("GEW-2026-")
    message = (register.state_dir / "messages" / f"{entry['aktenzeichen']}.xml").read_bytes()
    anmeldung = fromstring(message).find(f"{XGA}satz/{XGA}anmeldung")
    assert anmeldung is not None
    gewerbe = anmeldung.find(f"{XGA}gewerbe")
    assert gewerbe is not None
    assert case == anmeldung.findtext(f"{XGA}uuid")
    assert body["submissionId"] == anmeldung.findtext(f"{XGA}gemeindeMeldungNr")
    assert "06431002" == anmeldung.findtext(f"{XGA}gemeindeSchluessel/code")
    assert "2026-12-01" == anmeldung.findtext(f"{XGA}gueltigAb")
    assert ("Rodensteinstraße", "3", "64625") == tuple(
        gewerbe.findtext(f"{XGA}anschrift/{XGA}{name}") for name in ("strasse", "hausNrVon", "plz")
    )
    assert "17041991" == gewerbe.findtext(f"{XGA}beteiligtePerson/{XGA}geburtsdatum")
    # the DMS got its filing too
    assert "delivered" == delivery(view, "dms")["outcome"]


def test_geburtsurkunde_reaches_the_standesamt_mapped_with_its_order_number_in_the_status(
    running_hub: HubDriver, procedure_standins: dict[str, StandIn]
) -> None:
    office = procedure_standins["standesamt"]
    body = running_hub.example(GEBURT)

    case = running_hub.post(body).body["applicationId"]
    view = running_hub.wait_final(case)

    assert ("completed", ["standesamt"]) == (
        view["status"],
        [d["connector"] for d in view["deliveries"]],
    )
    [entry] = taken(office, delivery_id(case, "viernheim", "standesamt"))
    assert delivery(view, "standesamt")["reference"] == entry["auftragsnummer"]
    order = json.loads(
        (office.state_dir / "orders" / f"{entry['auftragsnummer']}.json").read_text()
    )
    assert {"art": "GU", "anzahl": 2, "versand": "POST", "zweck": "Eheschließung"} == order[
        "urkunde"
    ]
    assert ("Schäfer", "11.02.1987") == (
        order["beurkundetePerson"]["familienname"],
        order["beurkundetePerson"]["geburtsdatum"],
    )
    assert (case, body["submissionId"]) == (
        order["vorgang"]["referenz"],
        order["vorgang"]["portalReferenz"],
    )
    assert {"status": "BEZAHLT", "betrag": "24,00"}.items() <= order["gebuehr"].items()


def test_a_rejecting_standesamt_dead_letters_and_a_replay_after_the_fix_delivers_once(
    running_hub: HubDriver, procedure_standins: dict[str, StandIn]
) -> None:
    office = procedure_standins["standesamt"]
    office.control(mode="reject")
    try:
        case = running_hub.post(running_hub.example(GEBURT)).body["applicationId"]
        view = running_hub.wait_final(case)
    finally:
        office.control(mode="up")  # the cause is fixed
    key = delivery_id(case, "viernheim", "standesamt")

    assert ("media_break", ["rejected:http_422"]) == (view["status"], view["reasons"])
    assert ("rejected", "http_422") == (
        delivery(view, "standesamt")["outcome"],
        delivery(view, "standesamt")["reason"],
    )
    assert [] == taken(office, key)
    listed = hub_cli(running_hub, "dlq", "list", "--connector", "standesamt")
    assert 0 == listed.returncode, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if "http_422" in line]
    entry_id = row.split()[0]
    assert "Annahme verweigert" in hub_cli(running_hub, "dlq", "show", entry_id).stdout

    replayed = hub_cli(running_hub, "dlq", "replay", entry_id)
    assert 0 == replayed.returncode, replayed.stderr
    wait_until(
        lambda: running_hub.journey(case)["status"] == "completed", 60, "completion after replay"
    )
    again = hub_cli(running_hub, "dlq", "replay", entry_id)  # a second time, on purpose
    assert 0 == again.returncode, again.stderr
    time.sleep(2)  # a (wrong) second hand-over would arrive now

    [entry] = taken(office, key)
    final = running_hub.journey(case)
    assert ("completed", []) == (final["status"], final["reasons"])
    assert entry["auftragsnummer"] == delivery(final, "standesamt")["reference"]


def test_a_case_the_mapping_cannot_fill_is_a_media_break_mapping_failed_never_half_sent(
    running_hub: HubDriver, procedure_standins: dict[str, StandIn]
) -> None:
    register = procedure_standins["gewerberegister"]
    body = running_hub.example(GEWERBE)
    del body["formData"]["gewerbe"]["taetigkeit"]  # required by the mapping
    posts_before = register.stats()["posts"]

    case = running_hub.post(body).body["applicationId"]
    view = running_hub.wait_final(case)

    assert ("media_break", ["rejected:mapping_failed"]) == (view["status"], view["reasons"])
    assert ("rejected", "mapping_failed") == (
        delivery(view, "gewerbe")["outcome"],
        delivery(view, "gewerbe")["reason"],
    )
    assert "delivered" == delivery(view, "dms")["outcome"]  # the DMS takes the case as it is
    assert posts_before == register.stats()["posts"]  # nothing half-filled went out
    listed = hub_cli(running_hub, "dlq", "list", "--connector", "gewerbe")
    [row] = [line for line in listed.stdout.splitlines() if "mapping_failed" in line]
    shown = hub_cli(running_hub, "dlq", "show", row.split()[0]).stdout
    assert (
        "satz.anmeldung.taetigkeitenGesamt.schwerpunkt.taetigkeitSchwerpunkt"
        " <- /formData/gewerbe/taetigkeit: required value missing"
    ) in shown
