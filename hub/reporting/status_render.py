"""``hub status`` output: aligned tables for a terminal, or JSON (pure functions).

The JSON document (``format_version`` 1)::

    {"format_version": 1, "generated_at": ISO, "healthy": bool,
     "quarantine_pending": int,
     "connectors": [{"tenant", "connector", "kind", "state", "lag", "group",
                     "dead_letters", "last_delivery": {"at", "outcome", "reason"} | null}],
     "roles": [{"name", "url", "state", "detail"}]}
"""

from __future__ import annotations

import json
from typing import Any

from hub.reporting.status import ConnectorStatus, Status

JSON_FORMAT_VERSION = 1


def _aligned(rows: list[tuple[str, ...]], numeric: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def _last(c: ConnectorStatus) -> tuple[str, str]:
    if c.last_delivery_at is None:
        return "-", "-"
    outcome = c.last_outcome or "-"
    if c.last_reason:
        outcome = f"{outcome} ({c.last_reason})"
    return c.last_delivery_at.strftime("%Y-%m-%d %H:%M:%S"), outcome


def status_table(status: Status) -> str:
    """Connector instances, then roles, then the quarantine count."""
    rows: list[tuple[str, ...]] = [
        (
            "tenant",
            "connector",
            "kind",
            "state",
            "lag",
            "group",
            "dead letters",
            "last delivery (UTC)",
            "outcome",
        )
    ]
    for c in status.connectors:
        at, outcome = _last(c)
        rows.append(
            (
                c.tenant,
                c.connector,
                c.kind or "-",
                c.state,
                "-" if c.lag is None else str(c.lag),
                c.group or "-",
                str(c.dead_letters),
                at,
                outcome,
            )
        )
    out = _aligned(rows, {4, 6}) if status.connectors else ["no connector instances found"]
    out.append("")
    roles: list[tuple[str, ...]] = [("role", "url", "state", "detail")]
    roles += [(r.name, r.url, r.state, r.detail or "-") for r in status.roles]
    out += _aligned(roles, set())
    out.append("")
    n = status.quarantine_pending
    out.append(f"quarantine: {n} entr{'y' if n == 1 else 'ies'} not replayed")
    return "\n".join(out) + "\n"


def status_json_data(status: Status) -> dict[str, Any]:
    """The status as the JSON document described in the module docstring."""
    return {
        "format_version": JSON_FORMAT_VERSION,
        "generated_at": status.generated_at.isoformat(),
        "healthy": status.healthy,
        "quarantine_pending": status.quarantine_pending,
        "connectors": [
            {
                "tenant": c.tenant,
                "connector": c.connector,
                "kind": c.kind,
                "state": c.state,
                "lag": c.lag,
                "group": c.group,
                "dead_letters": c.dead_letters,
                "last_delivery": None
                if c.last_delivery_at is None
                else {
                    "at": c.last_delivery_at.isoformat(),
                    "outcome": c.last_outcome,
                    "reason": c.last_reason,
                },
            }
            for c in status.connectors
        ],
        "roles": [
            {"name": r.name, "url": r.url, "state": r.state, "detail": r.detail}
            for r in status.roles
        ],
    }


def status_json(status: Status) -> str:
    """:func:`status_json_data` serialised, indented, with a final newline."""
    return json.dumps(status_json_data(status), indent=2) + "\n"
