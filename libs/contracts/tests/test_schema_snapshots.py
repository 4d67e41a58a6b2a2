"""A change to an event's shape must be deliberate: the snapshot pins every schema."""

import json

from walletreports.contracts.snapshot import SNAPSHOT_DIR, current_schemas, drift


def test_every_event_matches_its_pinned_schema():
    assert drift() == []


def test_a_changed_schema_is_reported(tmp_path):
    for subject, text in current_schemas().items():
        (tmp_path / f"{subject}.json").write_text(text)
    pinned = tmp_path / "orders.order.created.v1.json"
    schema = json.loads(pinned.read_text())
    del schema["properties"]["price_usd"]
    pinned.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
    (tmp_path / "orders.order.gone.v1.json").write_text("{}")

    problems = drift(tmp_path)

    assert any(p.startswith("orders.order.created.v1: schema differs") for p in problems)
    assert "orders.order.gone.v1: snapshot exists but the event is gone" in problems


def test_snapshot_dir_is_the_committed_one():
    assert SNAPSHOT_DIR.name == "schemas" and SNAPSHOT_DIR.parent.name == "contracts"
