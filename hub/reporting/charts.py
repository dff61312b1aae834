"""The report's charts: Vega-Lite specs built with altair, rendered to SVG by vl-convert.

Rendering happens in process (vl-convert bundles the Vega JavaScript engine),
so the resulting SVG needs no browser script, no CDN and no network. External
data URLs are refused: every chart carries its data inline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import altair as alt
import vl_convert

from hub.reporting.period import Bucket
from hub.reporting.reasons import label_de
from hub.reporting.report import ALL, Report
from hub.reporting.services import Names

FREE_COLOUR = "#2e7d32"
BREAK_COLOUR = "#e65100"
TENANT_COLOURS = ("#1565c0", "#6a1b9a", "#00838f", "#ad1457", "#f9a825", "#4e342e", "#546e7a")
WIDTH = 800
FONT = "DejaVu Sans, Arial, sans-serif"

_CONFIG: dict[str, Any] = {
    "font": FONT,
    "axis": {"labelFontSize": 13, "titleFontSize": 13, "labelLimit": 320},
    "legend": {"labelFontSize": 13, "titleFontSize": 13, "labelLimit": 320},
    "view": {"stroke": None},
}


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to an SVG document (German number and date formats)."""
    svg: str = vl_convert.vegalite_to_svg(
        chart.to_dict(),
        config=_CONFIG,
        allowed_base_urls=[],
        format_locale="de-DE",
        time_format_locale="de-DE",
    )
    return svg


def _tenant_scale(report: Report, names: Names) -> alt.Scale:
    domain = [names.tenant(t.tenant) for t in report.tenants]
    return alt.Scale(domain=domain, range=list(TENANT_COLOURS[: len(domain)]) or ["#1565c0"])


def bucket_label(start: datetime, bucket: Bucket) -> str:
    """``KW 7`` (ISO calendar week) for weeks, ``05.01.`` for days."""
    if bucket is Bucket.week:
        return f"KW {start.isocalendar().week}"
    return f"{start:%d.%m.}"


def trend_chart(report: Report, names: Names) -> alt.TopLevelMixin:
    """Media-break-free share per tenant and per day or week."""
    points = [p for p in report.trend if p.tenant != ALL]
    order = [bucket_label(s, report.bucket) for s in sorted({p.start for p in points})]
    rows = [
        {
            "Partner": names.tenant(p.tenant),
            "Zeit": bucket_label(p.start, report.bucket),
            "Quote": p.ratio,
            "Fälle": p.volume,
        }
        for p in points
    ]
    base = alt.Chart(alt.InlineData(values=rows)).encode(
        x=alt.X(
            "Zeit:O",
            sort=order,
            title="Kalenderwoche" if report.bucket is Bucket.week else "Tag",
            axis=alt.Axis(labelAngle=0),
        ),
        y=alt.Y(
            "Quote:Q",
            title="ohne Medienbruch",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%", tickCount=5),
        ),
        color=alt.Color(
            "Partner:N",
            scale=_tenant_scale(report, names),
            title=None,
            legend=alt.Legend(orient="top", columns=4),
        ),
    )
    lines = base.mark_line(strokeWidth=2.5)
    dots = base.mark_point(filled=True, opacity=1).encode(
        size=alt.Size("Fälle:Q", scale=alt.Scale(range=[25, 220]), legend=None)
    )
    layered: alt.LayerChart = (lines + dots).properties(width=WIDTH - 80, height=260)
    return layered


def reasons_chart(report: Report, names: Names) -> alt.TopLevelMixin:
    """Cases per media-break reason, stacked by tenant."""
    rows = [
        {"Grund": label_de(reason), "Partner": names.tenant(t.tenant), "Fälle": n}
        for t in report.tenants
        for reason, n in t.reasons
    ]
    per_reason: dict[str, int] = {}
    for t in report.tenants:
        for reason, n in t.reasons:
            per_reason[label_de(reason)] = per_reason.get(label_de(reason), 0) + n
    order = sorted(per_reason, key=lambda g: -per_reason[g])
    chart: alt.Chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_bar()
        .encode(
            y=alt.Y("Grund:N", sort=order, title=None),
            x=alt.X("sum(Fälle):Q", title="Fälle mit diesem Grund"),
            color=alt.Color(
                "Partner:N",
                scale=_tenant_scale(report, names),
                title=None,
                legend=alt.Legend(orient="top", columns=2),
            ),
        )
        .properties(width=WIDTH - 420, height=max(60, 28 * len(order)))
    )
    return chart


def volume_chart(report: Report, names: Names) -> alt.TopLevelMixin:
    """Cases per service, split into with and without media break."""
    totals: dict[str, tuple[int, int]] = {}
    for f in report.services:
        name = names.service(f.service)
        free, broken = totals.get(name, (0, 0))
        totals[name] = (free + f.media_break_free, broken + f.media_breaks)
    rows = [
        {"Leistung": name, "Ergebnis": label, "Fälle": n, "o": o}
        for name, (free, broken) in totals.items()
        for label, n, o in (("ohne Medienbruch", free, 0), ("mit Medienbruch", broken, 1))
        if n
    ]
    order = sorted(totals, key=lambda s: -sum(totals[s]))
    chart: alt.Chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_bar()
        .encode(
            y=alt.Y("Leistung:N", sort=order, title=None),
            x=alt.X("sum(Fälle):Q", title="Fälle"),
            color=alt.Color(
                "Ergebnis:N",
                scale=alt.Scale(
                    domain=["ohne Medienbruch", "mit Medienbruch"],
                    range=[FREE_COLOUR, BREAK_COLOUR],
                ),
                title=None,
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("o:Q"),
        )
        .properties(width=WIDTH - 360, height=max(60, 28 * len(order)))
    )
    return chart
