"""Conversation fixtures live in tests/conftest.py (shared with tests/bot)."""
