"""Rate limits, daily quotas and circuit breakers for the AI providers, shared by every worker.

Per provider: a token bucket of `rpm` tokens refilled at rpm/60 a second, a count of calls
for the current day (the day in Asia/Bangkok by default: the quota resets at local
midnight), and a breaker that stays open until a moment in time. Two adapters keep that state
where all workers see it: Redis (server deployment; one Lua script makes the check atomic)
and the ai_usage table (embedded deployment; a row lock on PostgreSQL, compare-and-set
UPDATEs on SQLite). Times come from an injectable clock, in epoch seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from drive2.adapters.db.tables import AiUsageRow

Clock = Callable[[], float]
DEFAULT_TIMEZONE = "Asia/Bangkok"


@dataclass(frozen=True)
class Allowed:
    #: Calls left today after this one; None without a daily quota.
    remaining_today: int | None


@dataclass(frozen=True)
class RateLimited:
    retry_after: float  # seconds until a token is back


@dataclass(frozen=True)
class QuotaExhausted:
    resets_in: float  # seconds until local midnight


Decision = Allowed | RateLimited | QuotaExhausted


class AiLimiter(Protocol):
    def try_acquire(self, provider: str, rpm: int, daily_quota: int) -> Decision:
        """Take one call from the bucket and today's quota, or say why not (taking nothing).
        rpm <= 0 or daily_quota <= 0 means no limit of that kind."""
        ...

    def remaining_today(self, provider: str, daily_quota: int) -> int | None:
        """Calls left today (None without a quota), taking nothing."""
        ...

    def open_breaker(self, provider: str, seconds: float) -> None: ...

    def breaker_open(self, provider: str) -> bool: ...


class _Days:
    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def day(self, now: float) -> str:
        return datetime.fromtimestamp(now, self.zone).date().isoformat()

    def seconds_to_midnight(self, now: float) -> float:
        local = datetime.fromtimestamp(now, self.zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time())
        return midnight.replace(tzinfo=self.zone).timestamp() - now


# --- the rule, on plain values (the Lua script below is the same rule) ---------------------


@dataclass(frozen=True)
class UsageState:
    tokens: float
    refilled_at: float
    day: str
    used_today: int
    breaker_until: float


def decide(
    state: UsageState, now: float, today: str, rpm: int, daily_quota: int, resets_in: float
) -> tuple[UsageState, Decision]:
    if state.day != today:
        state = replace(state, day=today, used_today=0)
    if daily_quota > 0 and state.used_today >= daily_quota:
        return state, QuotaExhausted(resets_in)
    if rpm > 0:
        rate = rpm / 60.0
        elapsed = max(now - state.refilled_at, 0.0)
        tokens = min(float(rpm), state.tokens + elapsed * rate)
        state = replace(state, tokens=tokens, refilled_at=max(now, state.refilled_at))
        if tokens < 1.0:
            return state, RateLimited((1.0 - tokens) / rate)
        state = replace(state, tokens=tokens - 1.0)
    state = replace(state, used_today=state.used_today + 1)
    remaining = daily_quota - state.used_today if daily_quota > 0 else None
    return state, Allowed(remaining)


# --- the database adapter -------------------------------------------------------------------

_usage = cast(Table, AiUsageRow.__table__)


class DatabaseAiLimiter:
    """The ai_usage table. Each change reads the row (FOR UPDATE where the database has it)
    and writes it back only if no other worker changed it in between, retrying if one did."""

    def __init__(
        self,
        engine: Engine,
        timezone: str = DEFAULT_TIMEZONE,
        clock: Clock = time.time,
        max_attempts: int = 50,
    ) -> None:
        self.engine = engine
        self.days = _Days(timezone)
        self.clock = clock
        self.max_attempts = max_attempts

    def try_acquire(self, provider: str, rpm: int, daily_quota: int) -> Decision:
        def change(state: UsageState, now: float) -> tuple[UsageState, Decision]:
            return decide(
                state,
                now,
                self.days.day(now),
                rpm,
                daily_quota,
                self.days.seconds_to_midnight(now),
            )

        return self._update(provider, change)

    def remaining_today(self, provider: str, daily_quota: int) -> int | None:
        if daily_quota <= 0:
            return None
        state = self._read(provider)
        used = state.used_today if state and state.day == self.days.day(self.clock()) else 0
        return max(daily_quota - used, 0)

    def open_breaker(self, provider: str, seconds: float) -> None:
        def change(state: UsageState, now: float) -> tuple[UsageState, None]:
            until = max(state.breaker_until, now + seconds)
            return replace(state, breaker_until=until), None

        self._update(provider, change)

    def breaker_open(self, provider: str) -> bool:
        state = self._read(provider)
        return bool(state and state.breaker_until > self.clock())

    def _read(self, provider: str) -> UsageState | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_usage).where(_usage.c.provider == provider)).first()
        return _state(row) if row else None

    def _update(self, provider: str, change: Callable[[UsageState, float], Any]) -> Any:
        for _ in range(self.max_attempts):
            now = self.clock()
            try:
                with self.engine.begin() as conn:
                    row = conn.execute(
                        select(_usage).where(_usage.c.provider == provider).with_for_update()
                    ).first()
                    if row is None:
                        # refilled_at 0: the first look finds the bucket full, whatever its size.
                        fresh = UsageState(0.0, 0.0, self.days.day(now), 0, 0.0)
                        new, result = change(fresh, now)
                        conn.execute(insert(_usage).values(provider=provider, **_values(new)))
                        return result
                    old = _state(row)
                    new, result = change(old, now)
                    if new == old:
                        return result
                    written = conn.execute(
                        update(_usage)
                        .where(
                            _usage.c.provider == provider,
                            _usage.c.tokens == old.tokens,
                            _usage.c.refilled_at == old.refilled_at,
                            _usage.c.day == old.day,
                            _usage.c.used_today == old.used_today,
                            _usage.c.breaker_until == old.breaker_until,
                        )
                        .values(**_values(new))
                    )
                    if written.rowcount == 1:
                        return result
            except IntegrityError:
                pass  # another worker created the row first: read it again
        raise RuntimeError(f"ai_usage row for {provider} kept changing; gave up")


def _state(row: Any) -> UsageState:
    return UsageState(
        tokens=float(row.tokens),
        refilled_at=float(row.refilled_at),
        day=str(row.day),
        used_today=int(row.used_today),
        breaker_until=float(row.breaker_until),
    )


def _values(state: UsageState) -> dict[str, Any]:
    return {
        "tokens": state.tokens,
        "refilled_at": state.refilled_at,
        "day": state.day,
        "used_today": state.used_today,
        "breaker_until": state.breaker_until,
    }


# --- the Redis adapter ----------------------------------------------------------------------

# KEYS: bucket hash, today's counter. ARGV: now, rpm, daily quota, counter ttl, bucket ttl.
# Replies {0, "", used} allowed, {1, retry_after, used} rate limited, {2, "", used} exhausted.
# Floats travel as strings: Redis turns Lua numbers into integers.
_ACQUIRE = """
local now = tonumber(ARGV[1])
local rpm = tonumber(ARGV[2])
local quota = tonumber(ARGV[3])
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
if quota > 0 and used >= quota then
  return {2, '', used}
end
if rpm > 0 then
  local rate = rpm / 60.0
  local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
  local tokens = tonumber(bucket[1]) or rpm
  local ts = tonumber(bucket[2]) or now
  if now > ts then
    tokens = math.min(rpm, tokens + (now - ts) * rate)
    ts = now
  end
  if tokens < 1 then
    redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
               'ts', string.format('%.17g', ts))
    redis.call('EXPIRE', KEYS[1], ARGV[5])
    return {1, string.format('%.17g', (1 - tokens) / rate), used}
  end
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens - 1),
             'ts', string.format('%.17g', ts))
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
used = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return {0, '', used}
"""


class RedisAiLimiter:
    """Keys under `prefix`: {provider}:bucket (hash), {provider}:day:{date} (counter, expires
    after that day) and {provider}:breaker (the moment it closes, expiring then)."""

    def __init__(
        self,
        url: str,
        timezone: str = DEFAULT_TIMEZONE,
        clock: Clock = time.time,
        prefix: str = "drive2:ai:",
    ) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.days = _Days(timezone)
        self.clock = clock
        self.prefix = prefix
        self._acquire = self.client.register_script(_ACQUIRE)

    def _key(self, provider: str, *parts: str) -> str:
        return self.prefix + ":".join([provider, *parts])

    def try_acquire(self, provider: str, rpm: int, daily_quota: int) -> Decision:
        now = self.clock()
        to_midnight = self.days.seconds_to_midnight(now)
        # Idle for a minute, a bucket is full again: keeping it longer would change nothing.
        bucket_ttl = math.ceil(120 + 60 / rpm) if rpm > 0 else 120
        code, retry, used = self._acquire(
            keys=[self._key(provider, "bucket"), self._key(provider, "day", self.days.day(now))],
            args=[
                repr(now),
                max(rpm, 0),
                max(daily_quota, 0),
                math.ceil(to_midnight) + 3600,
                bucket_ttl,
            ],
        )
        if int(code) == 2:
            return QuotaExhausted(to_midnight)
        if int(code) == 1:
            return RateLimited(float(retry))
        return Allowed(daily_quota - int(used) if daily_quota > 0 else None)

    def remaining_today(self, provider: str, daily_quota: int) -> int | None:
        if daily_quota <= 0:
            return None
        used = self.client.get(self._key(provider, "day", self.days.day(self.clock())))
        return max(daily_quota - int(used or 0), 0)

    def open_breaker(self, provider: str, seconds: float) -> None:
        until = self.clock() + seconds
        key = self._key(provider, "breaker")
        current = self.client.get(key)
        if current is not None and float(current) >= until:
            return
        self.client.set(key, repr(until), px=max(int(seconds * 1000), 1))

    def breaker_open(self, provider: str) -> bool:
        until = self.client.get(self._key(provider, "breaker"))
        return until is not None and float(until) > self.clock()

    def close(self) -> None:
        self.client.close()
