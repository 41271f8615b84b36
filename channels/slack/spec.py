"""Slack's registration: ``channels.slack`` in settings.yaml."""

from __future__ import annotations

from channels.registry import ChannelSpec
from channels.slack.channel import build
from channels.slack.settings import SlackSettings

SPEC = ChannelSpec(
    name="slack",
    settings=SlackSettings,
    build=build,
    description="Slack (slack-bolt): customers in DMs and shared channels; the reps' desk",
)
