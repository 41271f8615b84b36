"""The demo business's names (its configuration is ``config/`` in the repository): its brand
first, then product and bundle names no other business would use. ``salesbot check`` warns
when they turn up in another business's files, copied from the demo."""

from __future__ import annotations

DEMO_NAMES = ("Auralis", "Cam 4K", "Mic Pod", "Huddle Kit", "Room Kit", "Care Plus")
