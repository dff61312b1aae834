"""Per-agent and per-partition bookkeeping of work in hand and last activity.

Every stage agent reports here when it starts and finishes a message; the
liveness page (:mod:`hub.runtime.health`) asks it which agents or partitions look
stalled.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

TP = tuple[str, int]


@dataclass
class ProgressMonitor:
    """Per-agent and per-partition bookkeeping of work in hand and last activity."""

    stall_seconds: float = 180.0
    clock: Callable[[], float] = time.monotonic
    busy_since: dict[str, float] = field(default_factory=dict)
    last_activity: dict[str, float] = field(default_factory=dict)
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    processed_at: dict[TP, float] = field(default_factory=dict)
    lag_since: dict[TP, float] = field(default_factory=dict)

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

    def finished(self, agent: str, tp: TP | None = None) -> None:
        """An agent finished a message (of partition ``tp``)."""
        now = self.clock()
        self.busy_since.pop(agent, None)
        self.last_activity[agent] = now
        if tp is not None:
            self.processed_at[tp] = now

    def _agent_of(self, topic: str) -> str | None:
        return next((a for a, topics in self.topics.items() if topic in topics), None)

    def stalled(self, lag: dict[TP, int] | None = None) -> list[str]:
        """Agents (``name``) or partitions (``name[partition]``) that look stalled."""
        now = self.clock()
        found = {a for a, t in self.busy_since.items() if now - t > self.stall_seconds}
        for tp, waiting in (lag or {}).items():
            agent = self._agent_of(tp[0])
            if waiting <= 0 or agent is None or agent in self.busy_since:
                self.lag_since.pop(tp, None)
                continue
            since = self.lag_since.setdefault(tp, now)
            if self.processed_at.get(tp, -1.0) >= since:  # progress since: start a new window
                self.lag_since[tp] = since = now
            if now - since > self.stall_seconds:
                found.add(f"{agent}[{tp[1]}]")
        return sorted(found)
