"""Remember the last few thousand keys, so a retried Slack event gets one hint, not two."""

from __future__ import annotations

from collections import OrderedDict


class Once:
    """``first(key)`` is true the first time a key is seen (among the last ``size`` keys)."""

    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True
