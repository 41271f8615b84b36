"""Conversation tests a business writes in YAML and runs with ``salesbot test`` (#15).

``parse`` reads story files into ``model`` values; ``stage`` builds a fresh store and the real
hub for each story; ``runner`` plays the steps and compares; ``report`` prints the outcome.
"""
