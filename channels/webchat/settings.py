"""The ``channels.webchat`` section of settings.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WebchatSettings(_Frozen):
    enabled: bool = True
    allowed_origins: tuple[str, ...] = ("http://127.0.0.1:8000", "http://localhost:8000")
    max_frame_bytes: int = Field(default=4096, ge=256, le=65536)
    max_connections_per_ip: int = Field(default=30, ge=1)
    messages_per_second: float = Field(default=5.0, gt=0)
    message_burst: int = Field(default=10, ge=1)
    # How a worker learns that another one committed a message for a visitor whose socket
    # it holds: "memory" for one process, "redis" when several web workers run.
    bus: Literal["memory", "redis"] = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"
