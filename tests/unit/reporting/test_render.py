"""hub.reporting.render: the terminal table, CSV and JSON agree with the report."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from hub.reporting.period import Period
from hub.reporting.render import CSV_COLUMNS, duration, table, to_csv, to_json
from hub.reporting.report import Report, build_report
from hub.reporting.services import KNOWN_SERVICES, Names, names_from_submissions

from .synthetic import END, generate

NAMES = Names(tenants={"bensheim": "Stadt Bensheim"})


@pytest.fixture(scope="module")
def report() -> Report:
    return build_report(generate(), Period(END - timedelta(days=60), END), generated_at=END)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (3.456, "3.5 s"), (42, "42 s"), (90, "1.5 min"), (7200, "2.0 h"), (3e5, "3.5 d")],
)
def test_duration_uses_the_largest_readable_unit(seconds: float | None, text: str) -> None:
    assert text == duration(seconds)


def test_table_columns_are_aligned_and_end_with_the_headline(report: Report) -> None:
    lines = table(report, NAMES).splitlines()
    header = lines[1]
    rows = lines[2:-1]

    # every row's "cases" column ends where the header's does (right-aligned numbers)
    end = header.index("cases") + len("cases")
    assert all(row[end - 1].isdigit() and row[end] == " " for row in rows)
    assert 4 + 1 + len(report.services) == len(rows)  # services, tenant sums, total
    assert lines[-1] == f"{100 * report.total.ratio:.1f} % of 420 cases without media break"  # type: ignore[operator]


def test_csv_has_a_header_and_one_row_per_service_tenant_and_total(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(report, NAMES))))

    assert list(CSV_COLUMNS) == list(rows[0].keys())
    by_level = {level: [r for r in rows if r["level"] == level] for level in ("service", "tenant")}
    assert len(report.services) == len(by_level["service"])
    assert len(report.tenants) == len(by_level["tenant"])
    total = next(r for r in rows if r["level"] == "total")
    assert str(report.total.volume) == total["cases"]
    assert sum(int(r["cases"]) for r in by_level["service"]) == int(total["cases"])
    assert "Stadt Bensheim" in {r["tenant_name"] for r in rows}
    assert KNOWN_SERVICES["99050012104000"] in {r["service_name"] for r in rows}


def test_json_document_matches_the_report(report: Report) -> None:
    doc = json.loads(to_json(report, NAMES))

    assert 1 == doc["format_version"]
    assert report.total.volume == doc["total"]["cases"]
    assert report.total.ratio == doc["total"]["ratio"]
    assert report.total.p95_seconds == doc["total"]["completion_seconds"]["p95"]
    assert [t.tenant for t in report.tenants] == [t["tenant"] for t in doc["tenants"]]
    assert doc["total"]["cases"] == sum(s["cases"] for t in doc["tenants"] for s in t["services"])
    reason = doc["total"]["reasons"][0]
    assert {"reason", "cases", "meaning"} == set(reason)
    assert doc["trend"][0]["start"] <= doc["trend"][-1]["start"]


def test_empty_report_renders_in_every_format() -> None:
    empty = build_report([], Period(END - timedelta(days=7), END))

    assert table(empty).endswith("no case reached a final status in this period\n")
    assert 2 == len(to_csv(empty).splitlines())  # header and the total
    assert json.loads(to_json(empty))["total"]["ratio"] is None


def test_portal_names_win_over_the_built_in_table() -> None:
    from factories import load_example, submitted_event  # noqa: PLC0415

    event = submitted_event(load_example("gewerbe-anmelden-bensheim"), "bensheim")
    names = Names(names_from_submissions([event]))

    assert event.application.service.name == names.service(event.application.service.leika_id)
    assert "00000000000000" == names.service("00000000000000")
