"""The Slack app manifest salesbot needs: scopes, events, interactivity, the slash command.

Paste it at https://api.slack.com/apps -> Create New App -> From an app manifest. Over HTTP
every request URL is ``<public_url>/slack/events``; in Socket Mode there are no URLs and
the app connects out with an app-level token (scope ``connections:write``).
"""

from __future__ import annotations

from typing import Any

import yaml

from channels.slack.app import COMMAND

BOT_SCOPES = (
    "chat:write",  # cards, thread relays, answers to customers, staff messages
    "commands",  # /salesbot
    "im:history",  # customers' and reps' DMs to the bot (message.im)
    "im:read",
    "im:write",  # conversations.open: DMs to reps
    "channels:history",  # replies in handoff threads of a public sales channel
    "groups:history",  # ... or of a private one
)
BOT_EVENTS = ("message.im", "message.channels", "message.groups")


def manifest(
    public_url: str, *, socket_mode: bool = False, name: str = "salesbot"
) -> dict[str, Any]:
    url = public_url.rstrip("/") + "/slack/events"
    command: dict[str, Any] = {
        "command": COMMAND,
        "description": "Your leads, follow-ups, open handoffs, the report, customer search",
        "usage_hint": "leads | followups | handoffs | report | find <email|phone|name>",
        "should_escape": False,
    }
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if not socket_mode:
        command["url"] = url
        events["request_url"] = url
        interactivity["request_url"] = url
    return {
        "display_information": {
            "name": name,
            "description": "Sales assistant: live handoffs, qualified leads, reports",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": False,
                "messages_tab_enabled": True,  # customers and reps can DM the bot
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(public_url: str, *, socket_mode: bool = False) -> str:
    return yaml.safe_dump(
        manifest(public_url, socket_mode=socket_mode), sort_keys=False, allow_unicode=True
    )
