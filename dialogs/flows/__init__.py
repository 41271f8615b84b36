"""Conversation flows. Logic lives here; everything they say lives in ``config/``."""
