"""When the notifier tries again: a delivery's backoff with jitter and its last
attempt, and a failing host's circuit. Pure, no servers."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from ec_notifier.domain.hosts import HostGates
from ec_notifier.domain.policy import CircuitPolicy, HostHealth, RetryPolicy
from harness.notifier import NOW

POLICY = RetryPolicy(max_attempts=8, base_s=5, cap_s=600)


def test_pauses_double_from_the_base_with_half_of_each_pause_certain() -> None:
    assert POLICY.delay(1, jitter=0.0) == timedelta(seconds=2.5)
    assert POLICY.delay(1, jitter=0.999) < timedelta(seconds=5)
    assert POLICY.delay(3, jitter=0.0) == timedelta(seconds=10)
    assert POLICY.delay(30, jitter=0.0) == timedelta(seconds=300)


@given(attempts=st.integers(1, 100), jitter=st.floats(0, 1, exclude_max=True))
def test_a_pause_is_never_shorter_than_half_nor_longer_than_the_cap(
    attempts: int, jitter: float
) -> None:
    pause = POLICY.delay(attempts, jitter).total_seconds()
    ceiling = min(600, 5 * 2 ** (attempts - 1))

    assert ceiling / 2 <= pause <= ceiling


def test_after_the_last_attempt_there_is_no_next_one() -> None:
    assert POLICY.next_attempt(7, NOW, jitter=0.5) is not None
    assert POLICY.next_attempt(8, NOW, jitter=0.5) is None


def test_a_host_is_left_alone_after_failing_repeatedly_then_probed_once_at_a_time() -> None:
    circuit = CircuitPolicy(threshold=3, base_s=5, cap_s=60)
    health = HostHealth()
    for _ in range(2):
        health = circuit.on_failure(health, NOW)
    assert circuit.allowed_in_flight(health, NOW, limit=8) == 8

    health = circuit.on_failure(health, NOW)

    assert circuit.allowed_in_flight(health, NOW + timedelta(seconds=4), limit=8) == 0
    assert circuit.allowed_in_flight(health, NOW + timedelta(seconds=5), limit=8) == 1
    again = circuit.on_failure(health, NOW + timedelta(seconds=5))
    assert again.open_until == NOW + timedelta(seconds=15)
    assert circuit.allowed_in_flight(circuit.on_success(again), NOW, limit=8) == 8


def test_the_backoff_of_a_host_is_capped() -> None:
    circuit = CircuitPolicy(threshold=1, base_s=5, cap_s=60)
    health = HostHealth()
    failed_at = NOW
    for _ in range(20):  # each failure a probe, sent as the last pause ended
        health = circuit.on_failure(health, failed_at)
        assert health.open_until is not None
        last_failure, failed_at = failed_at, health.open_until

    assert health.open_until == last_failure + timedelta(seconds=60)


def test_sends_in_flight_together_when_a_host_goes_down_open_its_circuit_once() -> None:
    # given a host with eight sends under way, all started before it went down
    gates = HostGates(CircuitPolicy(threshold=5, base_s=5, cap_s=300), per_host=8)
    slots = [gates.take("smtp", NOW) for _ in range(8)]

    # when all eight fail within the same second
    for n, slot in enumerate(slots):
        gates.give_back(slot, ok=False, now=NOW + timedelta(milliseconds=100 * n))

    # then the host is left alone for the first pause, not the longest
    assert gates.is_backed_off("smtp", NOW + timedelta(seconds=4))
    assert not gates.is_backed_off("smtp", NOW + timedelta(seconds=6))
    assert gates.allowed("smtp", NOW + timedelta(seconds=6)) == 1  # one probe


def test_a_failed_probe_doubles_the_pause_and_a_successful_one_closes_the_circuit() -> None:
    gates = HostGates(CircuitPolicy(threshold=1, base_s=5, cap_s=300), per_host=8)
    gates.give_back(gates.take("smtp", NOW), ok=False, now=NOW)
    late = gates.take("smtp", NOW)  # began before the circuit opened

    probe = gates.take("smtp", NOW + timedelta(seconds=5))
    gates.give_back(probe, ok=False, now=NOW + timedelta(seconds=6))
    gates.give_back(late, ok=False, now=NOW + timedelta(seconds=7))

    assert gates.is_backed_off("smtp", NOW + timedelta(seconds=15))
    assert not gates.is_backed_off("smtp", NOW + timedelta(seconds=16))
    second = gates.take("smtp", NOW + timedelta(seconds=16))
    gates.give_back(second, ok=True, now=NOW + timedelta(seconds=16))
    assert gates.allowed("smtp", NOW + timedelta(seconds=16)) == 8


def test_a_slot_is_given_back_once_whoever_gives_it_back() -> None:
    gates = HostGates(CircuitPolicy(threshold=1, base_s=5), per_host=2)
    slot = gates.take("http://slow", NOW)
    gates.take("http://slow", NOW)

    assert gates.give_back(slot, ok=None, now=NOW)
    assert not gates.give_back(slot, ok=False, now=NOW)

    assert gates.in_flight_to("http://slow") == 1
    assert not gates.is_backed_off("http://slow", NOW)


def test_gates_close_a_host_that_is_full_or_backed_off_and_no_other() -> None:
    gates = HostGates(CircuitPolicy(threshold=1, base_s=5), per_host=2)
    gates.take("http://slow", NOW)
    gates.take("http://slow", NOW)
    down = gates.take("http://down", NOW)
    fine = gates.take("http://fine", NOW)

    gates.give_back(down, ok=False, now=NOW)
    gates.give_back(fine, ok=True, now=NOW)

    assert gates.closed_hosts(NOW) == ["http://down", "http://slow"]
    assert gates.capacity("http://fine", NOW) == 2
    assert gates.in_flight == 2
    assert gates.closed_hosts(NOW + timedelta(seconds=6)) == ["http://slow"]
    assert [(v.host, v.circuit) for v in gates.views(NOW)] == [
        ("http://down", "open"),
        ("http://slow", "closed"),
    ]
