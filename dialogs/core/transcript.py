"""Between the engine's message types and the store's rows.

The store takes and returns plain values and imports nothing above it (#14); the
translation lives here, where both the channels and the bot can reach it.
"""

from __future__ import annotations

from crm_store.repositories.conversations import AddressKey
from dialogs.core.types import ChannelAddress


def address_key(address: ChannelAddress) -> AddressKey:
    return AddressKey(address.channel, address.chat_id, address.thread_id)
