"""The `[handoff]` table of the console's configuration file: the 110 ↔ 12345 hand-off's time limit and, for each
outside line, the adapter that exchanges hand-offs with it (absent: hand-offs are recorded by hand, the dispatcher
typing the reference number read over the phone).

```toml
[handoff]
accept_within_minutes = 10        # the other side accepts within this, or a warning is raised

[handoff.police_110]              # the police line's hand-off gateway
url = "http://110-gateway.example/api"   # POST {url}/handoffs, GET {url}/handoffs/{ref}
secret = "..."                    # HMAC-SHA256 key of the X-Signature header
interval_s = 30                   # seconds between status polls
```

Requests carry `X-Signature: sha256=<hex HMAC-SHA256 of the body with secret>` and `X-Timestamp`. The adapter runs in
the feeds process (`dispatch-console feeds`) beside the other feeds, never on a console's interface thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from ..secrets import Secret
from .base import Float, Section, Text
from .feeds import _Source


@dataclass(frozen=True, slots=True)
class HandoffSettings:
    accept_within_minutes: float = 10.0

    @property
    def accept_within_s(self) -> float:
        return self.accept_within_minutes * 60.0


_DEFAULT = HandoffSettings()


class HandoffPeer(_Source):
    """The other line's hand-off gateway: where hand-offs are sent and their status is read."""

    url: Text = Field(description="the gateway's address; POST {url}/handoffs, GET {url}/handoffs/{ref}")
    secret: Secret = Field(description="HMAC-SHA256 key of the X-Signature header (shared with the other side)")
    interval_s: Float = Field(30.0, ge=0.01, le=86400, description="seconds between status polls")


class HandoffSection(Section):
    """110 ↔ 12345 hand-offs: the time limit for the other side to accept, and an adapter per outside line."""

    accept_within_minutes: Float = Field(
        _DEFAULT.accept_within_minutes, gt=0, le=24 * 60, description="the other side accepts within this, or a warning"
    )
    police_110: HandoffPeer | None = Field(None, description="the police line's gateway (absent: recorded by hand)")
    hotline_12345: HandoffPeer | None = Field(None, description="the hotline's gateway (absent: recorded by hand)")

    def settings(self) -> HandoffSettings:
        return HandoffSettings(accept_within_minutes=self.accept_within_minutes)

    def peers(self) -> dict[str, HandoffPeer]:
        return {name: p for name, p in (("police_110", self.police_110), ("hotline_12345", self.hotline_12345)) if p}
