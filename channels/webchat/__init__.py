"""The web chat channel (WebSocket + widget + demo page) and the Rasa-compatible REST channel."""
