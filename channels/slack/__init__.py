"""Slack (slack-bolt): the sales reps' desk, Slack as a customer channel, manager commands.

Modules, from the edge inwards:
- ``escape``: customer text -> safe Slack mrkdwn; a rep's Slack formatting -> plain text.
- ``blocks``: Block Kit builders that respect Slack's limits (50 blocks, 3,000 characters).
- ``translate``: pure functions, Slack payloads <-> ``InboundMessage`` / ``Reply``.
- ``api``: the Web API calls we make, with 429 waits and permanent errors told apart.
- ``adapter``: the ``slack`` ChannelAdapter (customers who DM the bot).
- ``cards``: the ``slack_cards`` rows (the atomic claim lives here).
- ``desk``: the ``HandoffService``: handoff and lead cards, the customer's side of a thread.
- ``actions``, ``relay``, ``commands``: buttons, a rep's thread replies, ``/salesbot``.
- ``staff``: the ``StaffChannel`` (reminders, escalations, digests to reps and managers).
- ``app``: the bolt ``AsyncApp`` and its listeners; ``channel``: wiring into the server.
"""
