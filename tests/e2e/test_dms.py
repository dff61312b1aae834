"""The DMS confirmation loop end to end on the real broker, against the stand-in DMS.

The hub runs with every ``dms.xdomea`` connector of every tenant filing into
``<tenant>/dms`` and waiting for the stand-in's answers in ``<tenant>/dms-outbox``, so every
example application reaches the DMS, is validated there (XSD, primary documents) and counts
as delivered only once the ``FVDaten.ImportBestaetigen.0630`` is written.
"""

from __future__ import annotations

import io
import shutil
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from hub.events.codec import SingleObjectCodec
from hub.events.models import Quarantined
from hub.formats.xdomea import confirmation_filename, parse_confirmation
from hub.formats.xdomea.confirmations import ConfirmationKind
from hub.ids import delivery_id
from hub.kafka.reader import read_topic
from hub.runtime.local import PROJECT_ROOT, LocalHub
from tests.conftest import sample_files
from tests.e2e.conftest import HubDriver

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

CONFIRMATION_TIMEOUT = 2.0  # seconds the hub waits for a 0630 before it retries
FAST_RETRY = {"HUB_RETRY_BASE_SECONDS": "0.2", "HUB_RETRY_MAX_SECONDS": "1"}
RECORDS = uuid.UUID("5d0c6b1e-2f8a-4c3e-9b7d-1a2b3c4d5e6f")  # the stand-in's record id namespace
REASON = "Aktenplaneinheit 32.10.01 ist im DMS nicht angelegt"


def config_filing_everything(tmp_path: Path) -> Path:
    """The shipped configuration with every ``dms.xdomea`` connector dropping into
    ``<tenant>/dms`` and waiting for the confirmations in ``<tenant>/dms-outbox``."""
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    for path in sorted((config / "tenants").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        var = f"${{HUB_VAR_DIR:-var}}/{doc['id']}"
        for connector in doc["connectors"].values():
            if connector["kind"] == "dms.xdomea":
                connector["transport"] = {"type": "directory", "path": f"{var}/dms"}
                outbox = {"outbox": f"{var}/dms-outbox", "timeout_seconds": CONFIRMATION_TIMEOUT}
                connector["options"] = {"confirmations": {**outbox, "poll_seconds": 0.1}}
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    return config


@pytest.fixture(scope="module")
def filing_hub(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubDriver]:
    """One hub (with its stand-in DMS) for the module; each test sets the DMS's mode."""
    workdir = tmp_path_factory.mktemp("dms-hub")
    hub = LocalHub(
        workdir=workdir,
        bootstrap=kafka_broker,
        config_dir=config_filing_everything(workdir),
        extra_env=FAST_RETRY,
    ).start(timeout=90)
    driver = HubDriver(hub)
    try:
        yield driver
    finally:
        driver.close()
        hub.stop()


def dms(driver: HubDriver, **control: str) -> dict[str, Any]:
    """Set the stand-in DMS's mode (and reason); its stats."""
    if control:
        httpx.post(f"{driver.hub.dms_url}/_control", json=control, timeout=5).raise_for_status()
    stats: dict[str, Any] = httpx.get(f"{driver.hub.dms_url}/_stats", timeout=5).json()
    return stats


def answer(driver: HubDriver, tenant: str, did: str, kind: ConfirmationKind = "imported") -> Path:
    """Where the stand-in writes its 0630 (or 0629) for the filing ``did``."""
    return driver.hub.var_dir / tenant / "dms-outbox" / confirmation_filename(did, kind)


@pytest.fixture
def accepting(filing_hub: HubDriver) -> Iterator[HubDriver]:
    """The hub with its DMS accepting (and accepting again after the test)."""
    dms(filing_hub, mode="accept")
    yield filing_hub
    dms(filing_hub, mode="accept")


# every example the shipped routes file in a DMS: the Geburtsurkunde goes to the Standesamt's
# own register (procedure.rest) only
FILED = [p.stem for p in sample_files() if p.stem != "geburtsurkunde-viernheim"]


@pytest.mark.parametrize("stem", FILED)
def test_every_example_is_filed_and_completed_only_after_the_import_confirmation(
    accepting: HubDriver, stem: str
) -> None:
    driver = accepting
    case_id = driver.post(driver.example(stem)).body["applicationId"]
    tenant = driver.journey(case_id)["tenant"]

    # the journey must not be final before every 0630 exists: check at every poll
    deadline = time.monotonic() + 60
    while True:
        view = driver.journey(case_id)
        targets = [d["deliveryId"] for d in view["deliveries"] if d["kind"] == "dms.xdomea"]
        if view["final"]:
            assert targets and all(answer(driver, tenant, t).exists() for t in targets), view
            break
        assert time.monotonic() < deadline, f"not final: {view}\n{driver.hub.log_tail()}"
        time.sleep(0.05)

    assert "completed" == view["status"], view
    filed = dms(driver)["filedIds"]
    for d in (d for d in view["deliveries"] if d["kind"] == "dms.xdomea"):
        did = d["deliveryId"]
        confirmation = parse_confirmation(answer(driver, tenant, did).read_bytes())
        assert (True, did) == (confirmation.success, confirmation.prozess_id)
        assert answer(driver, tenant, did, "received").exists()
        assert did in filed
        # the receipt shown is the DMS's own record id
        assert str(uuid.uuid5(RECORDS, did)) == d["reference"] == confirmation.record_id
        package = driver.hub.var_dir / tenant / "dms-filed" / f"{did}_FVDaten.SGOAblegen.0605.zip"
        with zipfile.ZipFile(io.BytesIO(package.read_bytes())) as z:
            antrag = [n for n in z.namelist() if n.endswith("_antrag.pdf")]
            assert 1 == len(antrag)
            assert z.read(antrag[0]).startswith(b"%PDF-")


def test_a_refusing_dms_dead_letters_the_delivery_with_its_reason_in_the_status(
    accepting: HubDriver,
) -> None:
    driver = accepting
    dms(driver, mode="reject", reason=REASON)
    case_id = driver.post(driver.example("hundesteuer-anmelden-viernheim")).body["applicationId"]

    view = driver.wait_final(case_id)

    assert ("media_break", True) == (view["status"], view["mediaBreak"])
    assert ["rejected:dms_rejected"] == view["reasons"]
    dms_view = next(d for d in view["deliveries"] if d["connector"] == "dms")
    assert ("rejected", "dms_rejected") == (dms_view["outcome"], dms_view["reason"])
    assert REASON in dms_view["detail"]
    did = delivery_id(case_id, "viernheim", "dms")
    assert not parse_confirmation(answer(driver, "viernheim", did).read_bytes()).success
    codec = SingleObjectCodec()
    topic = f"{driver.hub.topic_prefix}.deadletter"
    letters = [codec.decode(r.value, topic=topic) for r in read_topic(driver.hub.bootstrap, topic)]
    mine = [q for q in letters if isinstance(q, Quarantined) and q.envelope.case_id == case_id]
    assert {("dms", "dms_rejected"), ("steuer", "dms_rejected")} == {
        (q.connector, q.reason) for q in mine
    }
    assert all(REASON in q.detail for q in mine)


def test_a_silent_dms_gets_retries_and_the_case_completes_once_it_answers(
    accepting: HubDriver,
) -> None:
    driver = accepting
    dms(driver, mode="silent")
    case_id = driver.post(driver.example("gewerbe-anmelden-bensheim")).body["applicationId"]
    did = delivery_id(case_id, "bensheim", "dms")

    # the package is taken and answered with a 0629 only; the hub times out and drops it again
    deadline = time.monotonic() + 30
    while dms(driver)["silenced"] < 2:  # the dms delivery, dropped again at least once
        assert time.monotonic() < deadline, dms(driver)
        time.sleep(0.2)
    assert answer(driver, "bensheim", did, "received").exists()
    assert not answer(driver, "bensheim", did).exists()
    assert not driver.journey(case_id)["final"]
    dms(driver, mode="accept")

    view = driver.wait_final(case_id, timeout=60)

    assert "completed" == view["status"], view
    attempts = {d["connector"]: d["attempts"] for d in view["deliveries"]}
    assert attempts["dms"] >= 2  # the Gewerbe register (procedure.xoev) took its part at once
    assert 1 == attempts["gewerbe"]
    assert did in dms(driver)["filedIds"]
    assert parse_confirmation(answer(driver, "bensheim", did).read_bytes()).success
