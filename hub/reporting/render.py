"""The report as an aligned terminal table, CSV with a header, or JSON (pure functions).

The JSON document (``format_version`` 1)::

    {"format_version": 1,
     "period": {"since": ISO, "until": ISO},      # half-open [since, until), UTC
     "generated_at": ISO, "bucket": "day"|"week",
     "total": FIGURES,
     "tenants": [FIGURES + {"services": [FIGURES, ...]}, ...],
     "trend": [{"tenant", "start", "cases", "media_break_free", "ratio"}, ...]}

    FIGURES = {"tenant", "tenant_name", "service", "service_name", "cases",
               "media_break_free", "media_breaks", "ratio", "recovered",
               "completion_seconds": {"p50", "p95", "cases_timed"},
               "reasons": [{"reason", "cases", "meaning"}, ...]}

``service`` is ``"*"`` on a tenant's summary and on the total; ``ratio`` and the
percentiles are ``null`` where there is nothing to compute them from.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hub.reporting.reasons import explain
from hub.reporting.report import ALL, Figures, Report
from hub.reporting.services import Names

JSON_FORMAT_VERSION = 1
TOP_REASONS = 3


def duration(seconds: float | None) -> str:
    """Seconds in the largest unit that keeps them readable: ``42 s``, ``3.5 min``, ``2.1 h``."""
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            value = seconds / size
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"


def percent(ratio: float | None) -> str:
    """``0.8734`` as ``87.3 %``; ``-`` when undefined."""
    return "-" if ratio is None else f"{100 * ratio:.1f} %"


def _top(f: Figures, n: int = TOP_REASONS) -> str:
    shown = ", ".join(f"{r} {c}" for r, c in f.reasons[:n])
    rest = len(f.reasons) - n
    return f"{shown}, +{rest} more" if rest > 0 else shown or "-"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _rows(report: Report) -> list[tuple[str, Figures]]:
    """(level, figures) in reading order: each tenant's services, then its sum; the total."""
    rows: list[tuple[str, Figures]] = []
    for t in report.tenants:
        rows += [("service", s) for s in report.services_of(t.tenant)]
        rows.append(("tenant", t))
    rows.append(("total", report.total))
    return rows


def table(report: Report, names: Names | None = None) -> str:
    """Aligned columns for a terminal, one line per tenant's service, tenant sum and total."""
    names = names or Names()
    header = ("tenant", "service", "name", "cases", "no break", "ratio", "recov", "p50", "p95")
    lines: list[tuple[str, ...]] = [(*header, "top reasons")]
    for level, f in _rows(report):
        if level == "service":
            tenant, service, name = f.tenant, f.service, _clip(names.service(f.service), 32)
        elif level == "tenant":
            tenant, service, name = f.tenant, ALL, "all services"
        else:
            tenant, service, name = "ALL" if f.tenant == ALL else f.tenant, ALL, "all services"
        lines.append(
            (
                tenant,
                service,
                name,
                str(f.volume),
                str(f.media_break_free),
                percent(f.ratio),
                str(f.recovered),
                duration(f.p50_seconds),
                duration(f.p95_seconds),
                _top(f),
            )
        )
    numeric = {3, 4, 5, 6, 7, 8}
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = [
        f"period {report.period.since:%Y-%m-%d %H:%M} to {report.period.until:%Y-%m-%d %H:%M} UTC"
    ]
    for line in lines:
        cells = [
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=False))
        ]
        out.append("  ".join([*cells, line[-1]]).rstrip())
    t = report.total
    out.append(
        f"{percent(t.ratio)} of {t.volume} cases without media break"
        if t.volume
        else "no case reached a final status in this period"
    )
    return "\n".join(out) + "\n"


CSV_COLUMNS = (
    "level",
    "tenant",
    "tenant_name",
    "service",
    "service_name",
    "cases",
    "media_break_free",
    "ratio",
    "recovered",
    "p50_seconds",
    "p95_seconds",
    "cases_timed",
    "reasons",
)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}".rstrip("0").rstrip(".")


def to_csv(report: Report, names: Names | None = None) -> str:
    """One row per tenant's service (``level=service``), tenant (``tenant``) and ``total``."""
    names = names or Names()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for level, f in _rows(report):
        w.writerow(
            (
                level,
                f.tenant,
                names.tenant(f.tenant) if f.tenant != ALL else "",
                f.service,
                names.service(f.service) if f.service != ALL else "",
                f.volume,
                f.media_break_free,
                _num(f.ratio),
                f.recovered,
                _num(f.p50_seconds),
                _num(f.p95_seconds),
                f.timed,
                ";".join(f"{r}={c}" for r, c in f.reasons),
            )
        )
    return buf.getvalue()


def _figures(f: Figures, names: Names) -> dict[str, Any]:
    return {
        "tenant": f.tenant,
        "tenant_name": names.tenant(f.tenant) if f.tenant != ALL else None,
        "service": f.service,
        "service_name": names.service(f.service) if f.service != ALL else None,
        "cases": f.volume,
        "media_break_free": f.media_break_free,
        "media_breaks": f.media_breaks,
        "ratio": f.ratio,
        "recovered": f.recovered,
        "completion_seconds": {"p50": f.p50_seconds, "p95": f.p95_seconds, "cases_timed": f.timed},
        "reasons": [{"reason": r, "cases": c, "meaning": explain(r).en} for r, c in f.reasons],
    }


def to_json_data(report: Report, names: Names | None = None) -> dict[str, Any]:
    """The report as the JSON document described in the module docstring."""
    names = names or Names()
    return {
        "format_version": JSON_FORMAT_VERSION,
        "period": {
            "since": report.period.since.isoformat(),
            "until": report.period.until.isoformat(),
        },
        "generated_at": report.generated_at.isoformat(),
        "bucket": report.bucket.value,
        "total": _figures(report.total, names),
        "tenants": [
            {
                **_figures(t, names),
                "services": [_figures(s, names) for s in report.services_of(t.tenant)],
            }
            for t in report.tenants
        ],
        "trend": [
            {
                "tenant": p.tenant,
                "start": p.start.date().isoformat(),
                "cases": p.volume,
                "media_break_free": p.media_break_free,
                "ratio": p.ratio,
            }
            for p in report.trend
        ],
    }


def to_json(report: Report, names: Names | None = None) -> str:
    """:func:`to_json_data` serialised, indented, with a final newline."""
    return json.dumps(to_json_data(report, names), indent=2, ensure_ascii=False) + "\n"
