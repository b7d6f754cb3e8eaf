"""Failed sign-ins counted in a sliding window, per email address and per client address.

Past the limit, sign-in answers 429 with Retry-After before the password is even checked, so
a guesser learns nothing more until the oldest failure leaves the window. A success clears
the email's count (the person got in), not the address's (a shared office address keeps its
count against a sprayer). The counts live in this process's memory: each API process counts
on its own, and a restart forgets them.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from drive2.domain.emails import normalise_email
from drive2.domain.errors import TooManyAttemptsError

#: Keys tracked at most; past it the least recently failed key is forgotten, so a flood of
#: made-up emails cannot grow memory without bound.
MAX_TRACKED_KEYS = 100_000


class LoginThrottledError(TooManyAttemptsError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(retry_after_seconds, "too many failed sign-ins; try again later")


class SlidingWindowCounter:
    """Timestamps of recent events per key; a key is over its limit while it holds `limit`
    events younger than the window."""

    def __init__(
        self,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_TRACKED_KEYS,
    ) -> None:
        self.window = window_seconds
        self.clock = clock
        self.max_keys = max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        events = self._events.get(key)
        if events is None:
            return None
        while events and events[0] <= now - self.window:
            events.popleft()
        if not events:
            del self._events[key]
            return None
        return events

    def wait_seconds(self, key: str, limit: int) -> float:
        """0 when the key may try again now; else how long until it may. A limit of 0 or
        less turns the check off."""
        if limit <= 0:
            return 0.0
        with self._lock:
            now = self.clock()
            events = self._recent(key, now)
            if events is None or len(events) < limit:
                return 0.0
            return events[len(events) - limit] + self.window - now

    def add(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            events = self._recent(key, now)
            if events is None:
                events = self._events[key] = deque()
            events.append(now)
            self._events.move_to_end(key)
            while len(self._events) > self.max_keys:
                self._events.popitem(last=False)

    def clear(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)

    def __len__(self) -> int:
        return len(self._events)


class LoginThrottle:
    def __init__(
        self,
        max_failures: int,
        max_failures_per_address: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.max_failures_per_address = max_failures_per_address
        self.counter = SlidingWindowCounter(window_seconds, clock)

    @staticmethod
    def _email_key(email: str) -> str:
        # The spelling accounts are looked up by: `ＡＮＮ@…` and `ann@…` share one count.
        return "email:" + normalise_email(email)

    @staticmethod
    def _address_key(address: str | None) -> str | None:
        # No address (a CLI, a test harness): only the email is counted.
        return "addr:" + address if address else None

    def check(self, email: str, address: str | None) -> None:
        """Raise LoginThrottledError while this email or this address is over its limit."""
        wait = self.counter.wait_seconds(self._email_key(email), self.max_failures)
        address_key = self._address_key(address)
        if address_key is not None:
            wait = max(wait, self.counter.wait_seconds(address_key, self.max_failures_per_address))
        if wait > 0:
            raise LoginThrottledError(max(1, math.ceil(wait)))

    def failed(self, email: str, address: str | None) -> None:
        self.counter.add(self._email_key(email))
        address_key = self._address_key(address)
        if address_key is not None:
            self.counter.add(address_key)

    def succeeded(self, email: str) -> None:
        self.counter.clear(self._email_key(email))
