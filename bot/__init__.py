"""salesbot application core: settings, core message types, clock, app factory and CLI."""

__version__ = "0.1.0"
