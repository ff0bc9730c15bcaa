"""A sender number's pace: the token bucket on a fake clock (seconds as plain numbers)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rxmsg_tui.domain.token_bucket import MAX_PAUSE, RECOVER_EVERY, TokenBucket


def sends_within(bucket: TokenBucket, seconds: float, *, step: float = 0.01) -> list[float]:
    """Ask every `step` for a slot due now; the times at which one was granted."""
    granted, now = [], 0.0
    while now < seconds:
        if bucket.reserve(now, horizon=0.0) == 0.0:
            granted.append(now)
        now = round(now + step, 6)
    return granted


def test_one_a_second_lets_one_text_go_each_second() -> None:
    granted = sends_within(TokenBucket(1.0), 10.0)
    assert len(granted) == 10
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(granted))


def test_a_faster_rate_allows_a_seconds_worth_at_once_then_paces() -> None:
    bucket = TokenBucket(10.0)
    assert [bucket.reserve(0.0, horizon=0.0) for _ in range(10)] == [0.0] * 10
    assert bucket.reserve(0.0, horizon=0.0) is None  # the eleventh waits
    assert bucket.reserve(0.0, horizon=1.0) == pytest.approx(0.1)


def test_no_limit_never_waits_and_ignores_429() -> None:
    bucket = TokenBucket(0.0)
    bucket.throttled(0.0, retry_after=30)
    assert {bucket.reserve(0.0, horizon=0.0) for _ in range(1000)} == {0.0}


def test_a_reservation_within_the_horizon_is_a_wait_and_is_kept() -> None:
    bucket = TokenBucket(2.0)
    waits = [bucket.reserve(0.0, horizon=5.0) for _ in range(6)]
    assert waits == pytest.approx([0.0, 0.0, 0.5, 1.0, 1.5, 2.0])
    assert bucket.reserve(0.0, horizon=1.0) is None  # 2.5 s off: nothing taken
    assert bucket.reserve(0.0, horizon=5.0) == pytest.approx(2.5)


def test_deferred_messages_come_back_spread_at_the_rate() -> None:
    bucket = TokenBucket(1.0)
    assert bucket.reserve(0.0, horizon=0.0) == 0.0
    assert [bucket.defer(0.0) for _ in range(4)] == pytest.approx([1.0, 2.0, 3.0, 4.0])


def test_429s_halve_the_rate_pause_for_retry_after_and_it_recovers_slowly() -> None:
    bucket = TokenBucket(4.0)
    bucket.throttled(0.0, retry_after=3)
    assert bucket.current_rate(0.0) == 2.0
    assert bucket.reserve(0.0, horizon=0.0) is None  # paused for Retry-After
    assert bucket.reserve(0.0, horizon=10.0) == pytest.approx(3.0)
    bucket.throttled(1.0, retry_after=None)
    assert bucket.current_rate(1.0) == 1.0
    assert bucket.current_rate(1.0 + RECOVER_EVERY) == pytest.approx(1.4)
    assert bucket.current_rate(1.0 + 8 * RECOVER_EVERY) == 4.0  # never above the setting


def test_a_flood_of_429s_never_stops_the_number_for_good() -> None:
    bucket = TokenBucket(1.0)
    for second in range(100):
        bucket.throttled(float(second), retry_after=10**12)
    assert bucket.current_rate(100.0) == pytest.approx(1 / 16)
    wait = bucket.reserve(100.0, horizon=10**6)
    assert wait is not None and wait <= MAX_PAUSE


def test_a_changed_setting_applies_at_once() -> None:
    bucket = TokenBucket(1.0)
    bucket.set_rate(5.0)
    granted = sends_within(bucket, 2.0)
    assert granted[:5] == pytest.approx([0.0, 0.01, 0.02, 0.03, 0.04])  # a second's worth
    assert granted[5:] == pytest.approx([0.2 * n for n in range(1, 10)])  # then one every 0.2 s
    with pytest.raises(ValueError):
        TokenBucket(-1.0)


@given(
    rate=st.floats(min_value=0.05, max_value=50),
    asks=st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=300),
    throttles=st.sets(st.integers(min_value=0, max_value=299), max_size=5),
)
def test_never_faster_than_the_rate_plus_one_seconds_burst(
    rate: float, asks: list[float], throttles: set[int]
) -> None:
    """Whatever the pattern of asking and 429s, slots granted in any span T number ≤ rate·T + burst."""
    bucket = TokenBucket(rate)
    now, slots = 0.0, []
    for n, gap in enumerate(asks):
        now += gap
        if n in throttles:
            bucket.throttled(now, retry_after=1)
        wait = bucket.reserve(now, horizon=2.0)
        if wait is not None:
            assert 0 <= wait <= 2.0 + 1e-9
            slots.append(now + wait)
    slots.sort()
    burst = max(1.0, rate)
    for i, start in enumerate(slots):
        for j in range(i, len(slots)):
            assert j - i + 1 <= rate * (slots[j] - start) + burst + 1e-6
