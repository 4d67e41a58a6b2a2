"""JetStream streams: one per producing service, created idempotently at start-up."""

from __future__ import annotations

from datetime import timedelta

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

from walletreports.contracts import PRODUCERS, stream_name, stream_subjects, wire_subject

from ..lease import delete_lease_buckets

# Long enough to cover a relay retrying after a crash between publish and mark-as-sent;
# the inbox stays the second line of defence beyond it.
DUPLICATE_WINDOW = timedelta(minutes=10)
MAX_AGE = timedelta(days=14)


def stream_config(namespace: str, producer: str, replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=stream_name(namespace, producer),
        subjects=stream_subjects(namespace, producer),
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=MAX_AGE.total_seconds(),
        duplicate_window=DUPLICATE_WINDOW.total_seconds(),
        num_replicas=replicas,
    )


# Events no consumer could read land here with the reason, for a person to look at.
DEAD_LETTER = "deadletter"


def dead_letter_subject(namespace: str, consumer: str) -> str:
    return wire_subject(namespace, f"{DEAD_LETTER}.{consumer}")


async def ensure_streams(js: JetStreamContext, namespace: str, replicas: int = 1) -> list[str]:
    """Create or update every stream of the catalog (and the dead-letter stream); safe
    to run from every replica."""
    names = []
    for producer in (*PRODUCERS, DEAD_LETTER):
        config = stream_config(namespace, producer, replicas)
        try:
            await js.add_stream(config)
        except BadRequestError as exc:
            # 10058: the stream exists with another config; bring it to ours.
            if exc.err_code != 10058:
                raise
            await js.update_stream(config)
        names.append(stream_name(namespace, producer))  # config.name, which is typed optional
    return names


async def delete_streams(js: JetStreamContext, namespace: str) -> None:
    for producer in (*PRODUCERS, DEAD_LETTER):
        try:
            await js.delete_stream(stream_name(namespace, producer))
        except Exception:  # noqa: BLE001 - absent already is fine for a cleanup
            pass
    await delete_lease_buckets(js, namespace)  # KV buckets are streams too (KV_<NS>_LEASE_...)
