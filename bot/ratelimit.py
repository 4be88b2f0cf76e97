"""A per-person limit on questions, so that one person cannot stall everyone else."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimit:
    """At most `limit` events per key within any `window` seconds (a sliding window)."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and now - seen[0] >= self.window:
                seen.popleft()
            if len(seen) >= self.limit:
                return False
            seen.append(now)
            if len(self._seen) > 10_000:  # forget people who went quiet
                for quiet in [
                    k for k, v in self._seen.items() if not v or now - v[-1] >= self.window
                ]:
                    del self._seen[quiet]
            return True
