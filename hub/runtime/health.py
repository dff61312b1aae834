"""Liveness and readiness of a faust role.

``/healthz`` fails when the app is stopping or crashed, or when an agent has
had work waiting (it received a message it has not finished) for longer than
the stall timeout: faust agents are known to stall silently, and Kubernetes
should restart such a worker. ``/readyz`` succeeds once the consumer has joined
its group and holds an assignment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class ProgressMonitor:
    """Per-agent bookkeeping of work in hand and last progress."""

    stall_seconds: float = 120.0
    busy_since: dict[str, float] = field(default_factory=dict)
    last_progress: dict[str, float] = field(default_factory=dict)

    def started(self, agent: str) -> None:
        """An agent began a message."""
        self.busy_since.setdefault(agent, time.monotonic())

    def finished(self, agent: str) -> None:
        """An agent finished a message."""
        self.busy_since.pop(agent, None)
        self.last_progress[agent] = time.monotonic()

    def stalled(self, now: float | None = None) -> list[str]:
        """Agents that have held one message longer than the stall timeout."""
        now = time.monotonic() if now is None else now
        return sorted(a for a, t in self.busy_since.items() if now - t > self.stall_seconds)
