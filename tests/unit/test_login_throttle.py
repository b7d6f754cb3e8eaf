"""The sliding window behind login throttling, on a clock the test moves."""

from __future__ import annotations

import pytest

from drive2.services.login_throttle import LoginThrottle, LoginThrottledError, SlidingWindowCounter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_opens_again_as_old_failures_leave_the_window() -> None:
    clock = Clock()
    counter = SlidingWindowCounter(60, clock)
    for _ in range(3):
        assert counter.wait_seconds("k", 3) == 0
        counter.add("k")
        clock.now += 10
    # Failures at 1000, 1010, 1020; now 1030: the first leaves the window at 1060.
    assert counter.wait_seconds("k", 3) == pytest.approx(30)
    clock.now = 1060.0
    assert counter.wait_seconds("k", 3) == 0
    counter.add("k")
    assert counter.wait_seconds("k", 3) == pytest.approx(10)  # the one at 1010 leaves at 1070


def test_limit_zero_turns_the_check_off_and_keys_are_bounded() -> None:
    clock = Clock()
    counter = SlidingWindowCounter(60, clock, max_keys=100)
    for i in range(1000):
        counter.add(f"user{i}")
    assert len(counter) == 100
    assert counter.wait_seconds("user999", 0) == 0
    assert counter.wait_seconds("user999", 1) > 0
    assert counter.wait_seconds("user0", 1) == 0  # forgotten, not blocked forever
    clock.now += 61
    assert counter.wait_seconds("user999", 1) == 0


def test_email_and_address_limits_and_a_success_clears_the_email() -> None:
    clock = Clock()
    throttle = LoginThrottle(3, 5, 900, clock)
    for _ in range(2):
        throttle.failed(" Ann@Example.com ", "10.0.0.1")
    throttle.succeeded("ann@example.com")
    for _ in range(3):
        throttle.check("ann@example.com", "10.0.0.1")
        throttle.failed("ANN@example.com", "10.0.0.1")
    with pytest.raises(LoginThrottledError) as caught:
        throttle.check("ann@example.com", "10.0.0.2")
    assert caught.value.retry_after_seconds == 900
    # The address has 5 failures now (2 + 3): any email from it waits too.
    with pytest.raises(LoginThrottledError):
        throttle.check("bob@example.com", "10.0.0.1")
    throttle.check("bob@example.com", "10.0.0.9")
    clock.now += 900
    throttle.check("ann@example.com", "10.0.0.1")
