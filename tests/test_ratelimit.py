"""The per-person question limit: a sliding window, per person."""

from __future__ import annotations

from bot.ratelimit import RateLimit


def test_the_limit_is_per_person_and_frees_up_as_the_window_slides() -> None:
    now = [0.0]
    limit = RateLimit(2, window=60, clock=lambda: now[0])
    assert limit.allow("an") and limit.allow("an") and not limit.allow("an")
    assert limit.allow("bas")  # someone else is not held back
    now[0] = 59.9
    assert not limit.allow("an")
    now[0] = 60.0
    assert limit.allow("an")
