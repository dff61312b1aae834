"""hub.runtime.health.ProgressMonitor: when an agent or a partition counts as stalled."""

from __future__ import annotations

from hub.kafka.progress import ProgressMonitor


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def monitor() -> tuple[ProgressMonitor, Clock]:
    clock = Clock()
    m = ProgressMonitor(stall_seconds=10, clock=clock)
    m.register("connector.a", ["deliveries.a"])
    m.register("connector.b", ["deliveries.b"])
    return m, clock


def test_agent_holding_a_message_without_activity_is_stalled_and_a_retry_attempt_counts() -> None:
    m, clock = monitor()
    m.started("connector.a")
    clock.now += 8
    m.touch("connector.a")  # a new attempt of a parked connector
    clock.now += 8
    assert [] == m.stalled()
    clock.now += 3
    assert ["connector.a"] == m.stalled()
    m.finished("connector.a", ("deliveries.a", 0))
    assert [] == m.stalled()


def test_partition_with_lag_and_no_processing_for_the_stall_time_is_stalled() -> None:
    m, clock = monitor()
    lag = {("deliveries.a", 0): 5, ("deliveries.a", 1): 0}
    assert [] == m.stalled(lag)  # first seen now
    clock.now += 11
    assert ["connector.a[0]"] == m.stalled(lag)


def test_lag_that_is_being_worked_off_is_not_a_stall() -> None:
    m, clock = monitor()
    lag = {("deliveries.a", 0): 50}
    m.stalled(lag)
    for _ in range(5):  # a steady flow: lag never reaches zero, but messages are processed
        clock.now += 6
        m.finished("connector.a", ("deliveries.a", 0))
        assert [] == m.stalled(lag)


def test_one_stuck_partition_is_found_although_the_agent_is_busy_on_another() -> None:
    m, clock = monitor()
    lag = {("deliveries.a", 0): 3, ("deliveries.a", 1): 3}
    m.stalled(lag)
    for _ in range(3):
        clock.now += 5
        m.finished("connector.a", ("deliveries.a", 1))  # partition 1 moves, 0 never does
    assert ["connector.a[0]"] == m.stalled(lag)


def test_partitions_of_an_agent_busy_with_a_message_are_not_flagged_for_lag() -> None:
    m, clock = monitor()
    m.started("connector.b")  # parked: its partitions are paused on purpose
    lag = {("deliveries.b", 0): 7}
    m.stalled(lag)
    for _ in range(4):
        clock.now += 5
        m.touch("connector.b")
    assert [] == m.stalled(lag)


def test_lag_on_a_topic_no_agent_consumes_is_ignored() -> None:
    m, clock = monitor()
    lag = {("hub-connector-delivery_states-changelog", 0): 9}
    m.stalled(lag)
    clock.now += 60
    assert [] == m.stalled(lag)
