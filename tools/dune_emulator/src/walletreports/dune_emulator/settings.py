"""What a running emulator is configured with (the CLI fills this from flags and env)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# A documented development key, not a secret: the emulator accepts exactly this key unless
# told another one, so a client configured for it can never reach the real Dune by mistake
# with a working key.
DEV_API_KEY = "dune-emulator-dev-key"
DEFAULT_PORT = 8088


@dataclass(slots=True)
class EmulatorSettings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT  # 0 picks a free port
    api_key: str = DEV_API_KEY
    # An execution stays PENDING for the first half of this and EXECUTING for the rest
    # (or for as long as its SQL takes, if longer).
    latency_seconds: float = 0.0
    # Execute requests (saved query and raw SQL) allowed per window; None = no limit.
    executes_per_minute: int | None = None
    # The window of that limit; 60 s as on Dune, shorter only to keep tests fast.
    rate_window_seconds: float = 60.0
    # Dune caps a results page at roughly this many rows whatever `limit` asks for.
    max_page_rows: int = 32_000
    # Results are kept this long on Dune (`expires_at`, 90 days); once past it an execution
    # reads as QUERY_STATE_EXPIRED, its result gone.
    result_ttl_seconds: float = 90 * 24 * 3600
    # Saved queries are kept in <state_dir>/queries.json across restarts when set.
    state_dir: Path | None = None
