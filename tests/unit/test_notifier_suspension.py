"""When a subscription is suspended: its run of failures starts at the first
failed attempt, ends at any delivered one, and suspends it once longer than
the setting; only resuming ends a suspension. Pure, no servers."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ec_notifier.domain.suspension import (
    Attempts,
    NotSuspended,
    Standing,
    after_attempts,
    attempts_by_subscription,
    newly_suspended,
    resumed,
)
from harness.notifier import NOW

DAY = timedelta(days=1)
FAILED = Attempts(delivered=False, last_error="HTTP 503")
DELIVERED = Attempts(delivered=True, last_error=None)


def test_the_first_failed_attempt_starts_the_run_of_failures() -> None:
    # given an active subscription with no failure on record
    active = Standing()

    # when an attempt fails
    after = after_attempts(active, FAILED, now=NOW, suspend_after=DAY)

    # then its failures run from now, and it is not suspended
    assert after == Standing(failing_since=NOW)
    assert after.status == "active"


def test_later_failures_keep_the_start_of_the_run() -> None:
    failing = Standing(failing_since=NOW)

    after = after_attempts(failing, FAILED, now=NOW + timedelta(hours=3), suspend_after=DAY)

    assert after == failing


def test_a_delivered_attempt_ends_the_run_of_failures() -> None:
    failing = Standing(failing_since=NOW)

    after = after_attempts(failing, DELIVERED, now=NOW + timedelta(hours=23), suspend_after=DAY)

    assert after == Standing()


def test_failing_for_longer_than_the_setting_suspends_naming_the_last_error() -> None:
    # given a subscription failing for a day
    failing = Standing(failing_since=NOW)
    later = NOW + DAY

    # when one more attempt fails
    after = after_attempts(failing, FAILED, now=later, suspend_after=DAY)

    # then it is suspended, saying since when and why
    assert after.status == "suspended"
    assert (after.failing_since, after.suspended_at) == (NOW, later)
    assert after.suspended_reason is not None
    assert "HTTP 503" in after.suspended_reason
    assert f"{NOW:%Y-%m-%d %H:%M:%S} UTC" in after.suspended_reason
    assert newly_suspended(failing, after)


def test_a_suspended_subscription_stays_suspended_whatever_its_attempts_say() -> None:
    # given a suspended subscription (an attempt was under way as it was suspended)
    suspended = after_attempts(
        Standing(failing_since=NOW), FAILED, now=NOW + DAY, suspend_after=DAY
    )

    # then neither that attempt getting through nor failing changes it
    for attempts in (DELIVERED, FAILED):
        after = after_attempts(suspended, attempts, now=NOW + 2 * DAY, suspend_after=DAY)
        assert after == suspended
        assert not newly_suspended(suspended, after)


def test_resuming_makes_it_active_with_no_failure_on_record() -> None:
    suspended = Standing(failing_since=NOW, suspended_at=NOW + DAY, suspended_reason="gone")

    assert resumed(suspended) == Standing()


def test_an_active_subscription_cannot_be_resumed() -> None:
    with pytest.raises(NotSuspended, match="active"):
        resumed(Standing(failing_since=NOW))


def test_a_batch_of_outcomes_counts_per_subscription_and_one_delivered_is_enough() -> None:
    # given outcomes of two subscriptions and of deliveries that are no subscription's
    flaky, dead = uuid.uuid4(), uuid.uuid4()
    outcomes = [
        (flaky, False, "timed out"),
        (None, False, "SMTP 451"),
        (dead, False, "refused"),
        (flaky, True, None),
        (dead, False, "HTTP 502"),
    ]

    # when folded
    folded = attempts_by_subscription(outcomes)

    # then one got through to the flaky one, none to the dead one (its last error kept)
    assert folded == {
        flaky: Attempts(delivered=True, last_error="timed out"),
        dead: Attempts(delivered=False, last_error="HTTP 502"),
    }


@given(
    steps=st.lists(
        st.tuples(st.booleans(), st.integers(min_value=0, max_value=3 * 3600)),
        max_size=30,
    )
)
def test_never_suspended_before_failing_for_the_whole_setting(
    steps: list[tuple[bool, int]],
) -> None:
    # given any sequence of attempts, each some seconds after the one before
    standing, now = Standing(), NOW
    last_delivered_or_start = NOW
    window = timedelta(hours=6)
    for delivered, gap_s in steps:
        now += timedelta(seconds=gap_s)
        before = standing
        standing = after_attempts(
            standing,
            DELIVERED if delivered else FAILED,
            now=now,
            suspend_after=window,
        )
        if delivered and before.suspended_at is None:
            last_delivered_or_start = now
        # then a suspension comes only after a whole window of nothing but failures
        if newly_suspended(before, standing):
            assert standing.failing_since is not None
            assert now - standing.failing_since >= window
            assert standing.failing_since >= last_delivered_or_start
        # and while active, the run of failures starts after the last delivered attempt
        if standing.status == "active" and standing.failing_since is not None:
            assert standing.failing_since >= last_delivered_or_start
