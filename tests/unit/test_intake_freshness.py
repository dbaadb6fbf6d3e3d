"""Old deliveries do not rewrite the present: the rule the intake applies to
every report before deciding what it means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ec_intake.freshness import Delivery, Known, after_taking, stale

AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_the_first_delivery_of_an_incident_is_taken() -> None:
    assert stale(Known(), Delivery("Q1", AT)) is None


def test_a_delivery_whose_event_id_was_taken_is_a_duplicate() -> None:
    # given a delivery taken
    known = after_taking(Known(), Delivery("Q1", AT))

    # when the same event is delivered again, even dated later
    reason = stale(known, Delivery("Q1", AT + timedelta(minutes=5)))

    # then it changes nothing
    assert reason == "duplicate"


def test_a_delivery_older_than_the_newest_known_is_older() -> None:
    known = after_taking(Known(), Delivery("Q2", AT))

    assert stale(known, Delivery("Q1", AT - timedelta(seconds=1))) == "older"


def test_a_delivery_dated_as_the_newest_or_later_is_taken() -> None:
    known = after_taking(Known(), Delivery(None, AT))

    assert stale(known, Delivery(None, AT)) is None
    assert stale(known, Delivery("Q3", AT + timedelta(seconds=1))) is None


def test_an_undated_delivery_is_taken_and_forgets_no_time() -> None:
    # given an incident known at AT
    known = after_taking(Known(), Delivery(None, AT))

    # when an undated report comes, then it is taken, and the newest time stays
    assert stale(known, Delivery(None, None)) is None
    after = after_taking(known, Delivery(None, None))
    assert after.newest_at == AT
    assert stale(after, Delivery(None, AT - timedelta(hours=1))) == "older"


def test_the_newest_time_only_moves_forward() -> None:
    known = after_taking(after_taking(Known(), Delivery("a", AT)), Delivery("b", AT))

    assert known.newest_at == AT
    assert known.taken_ids == frozenset({"a", "b"})
