"""Published outbox rows and old inbox rows are swept; nothing still needed is."""

import uuid

from sqlalchemy import insert, select, text

from walletreports.devkit.testing.probe import PRODUCER, inbox, outbox


async def test_sweep_keeps_what_is_still_needed(services):
    async with services.run(PRODUCER) as producer:
        async with producer.runtime.db.sessions() as session, session.begin():
            # Subjects no stream carries: the relay can never mark "old_unsent" published.
            rows = {
                "old_sent": "now() - interval '8 days'",
                "new_sent": "now() - interval '1 day'",
                "old_unsent": None,
            }
            for name, published in rows.items():
                await session.execute(
                    insert(outbox).values(
                        event_id=uuid.uuid4(),
                        subject=name,
                        payload=b"{}",
                        created_at=text("now() - interval '9 days'"),
                        published_at=text(published) if published else None,
                    )
                )
            for name, age in (("old_seen", "40 days"), ("new_seen", "3 days")):
                await session.execute(
                    insert(inbox).values(
                        consumer="c",
                        event_id=uuid.uuid4(),
                        subject=name,
                        handled_at=text(f"now() - interval '{age}'"),
                    )
                )

        assert await producer.runtime.janitor.sweep() == (1, 1)

        async with producer.runtime.db.sessions() as session:
            left_out = set((await session.execute(select(outbox.c.subject))).scalars())
            left_in = set((await session.execute(select(inbox.c.subject))).scalars())
    assert left_out == {"new_sent", "old_unsent"}
    assert left_in == {"new_seen"}
