"""Write or check the JSON Schema snapshot of every event.

    python -m walletreports.contracts.snapshot          # check, exit 1 on drift
    python -m walletreports.contracts.snapshot --write  # accept the current schemas

A snapshot only changes when a person runs --write and commits it, so an accidental
breaking change to an event shows up as a failing test, not as a consumer crash.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .catalog import EVENTS

SNAPSHOT_DIR = Path(__file__).resolve().parents[3] / "schemas"


def current_schemas() -> dict[str, str]:
    return {
        subject: json.dumps(cls.model_json_schema(mode="serialization"), indent=2, sort_keys=True)
        + "\n"
        for subject, cls in sorted(EVENTS.items())
    }


def drift(snapshot_dir: Path = SNAPSHOT_DIR) -> list[str]:
    problems = []
    schemas = current_schemas()
    on_disk = {p.stem: p for p in snapshot_dir.glob("*.json")}
    for subject, text in schemas.items():
        path = on_disk.pop(subject, None)
        if path is None:
            problems.append(f"{subject}: no snapshot (new event? run the snapshot with --write)")
        elif path.read_text() != text:
            problems.append(
                f"{subject}: schema differs from {path.name}; a breaking change needs a new version"
            )
    problems += [f"{subject}: snapshot exists but the event is gone" for subject in on_disk]
    return problems


def main(argv: list[str]) -> int:
    if "--write" in argv:
        SNAPSHOT_DIR.mkdir(exist_ok=True)
        for old in SNAPSHOT_DIR.glob("*.json"):
            old.unlink()
        for subject, text in current_schemas().items():
            (SNAPSHOT_DIR / f"{subject}.json").write_text(text)
        print(f"wrote {len(EVENTS)} schemas to {SNAPSHOT_DIR}")
        return 0
    problems = drift()
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
