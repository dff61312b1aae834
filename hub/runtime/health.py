"""Liveness and readiness of a faust role.

faust agents are known to stall silently, so ``/healthz`` fails (and Kubernetes
restarts the worker) when an agent

* has held one message without any activity for longer than the stall
  timeout (a retry attempt of a parked connector counts as activity), or
* has had work waiting in its topics (consumer lag) while showing no activity
  for that long;

or when the app is stopping or crashed. ``/readyz`` succeeds once the consumer
has joined its group and holds an assignment.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass
class ProgressMonitor:
    """Per-agent bookkeeping of work in hand and last activity."""

    stall_seconds: float = 180.0
    clock: Callable[[], float] = time.monotonic
    busy_since: dict[str, float] = field(default_factory=dict)
    last_activity: dict[str, float] = field(default_factory=dict)
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def register(self, agent: str, topics: Iterable[str]) -> None:
        """Declare an agent and the topics it consumes."""
        self.topics[agent] = tuple(topics)
        self.last_activity.setdefault(agent, self.clock())

    def started(self, agent: str) -> None:
        """An agent began a message."""
        now = self.clock()
        self.busy_since[agent] = now
        self.last_activity[agent] = now

    def touch(self, agent: str) -> None:
        """An agent is still working on its message (e.g. a new attempt)."""
        now = self.clock()
        if agent in self.busy_since:
            self.busy_since[agent] = now
        self.last_activity[agent] = now

    def finished(self, agent: str) -> None:
        """An agent finished a message."""
        self.busy_since.pop(agent, None)
        self.last_activity[agent] = self.clock()

    def stalled(self, lag_by_topic: dict[str, int] | None = None) -> list[str]:
        """Agents holding a message, or having lag, without activity for the stall timeout."""
        now = self.clock()
        found = {a for a, t in self.busy_since.items() if now - t > self.stall_seconds}
        for agent, topics in self.topics.items():
            lagging = any((lag_by_topic or {}).get(t, 0) > 0 for t in topics)
            if lagging and now - self.last_activity.get(agent, now) > self.stall_seconds:
                found.add(agent)
        return sorted(found)
