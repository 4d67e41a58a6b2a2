"""Account mail from web (POST /v1/transactional): sent once per Idempotency-Key, the
same key replays, another body under it is refused; the one-time link reaches the mail
server and is stored and logged nowhere."""

from __future__ import annotations

import logging
import secrets
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from walletreports.notifier.adapters.tables import metadata

from .conftest import BASE_URL, NotifierDriver, an_address


def body(to: str, token: str, template: str = "password_reset", **variables: Any) -> dict[str, Any]:
    return {
        "template": template,
        "to": to,
        "variables": {"link": f"{BASE_URL}/account/reset?token={token}", **variables},
    }


async def post(svc: NotifierDriver, payload: dict[str, Any], key: str | None) -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    return await svc.http.post("/v1/transactional", json=payload, headers=headers)


async def everything_stored(svc: NotifierDriver) -> str:
    """Every row of every table of the notifier's database, as text."""
    dump = []
    async with svc.service.runtime.db.sessions() as session:
        for table in metadata.sorted_tables:
            dump += [repr(tuple(row)) for row in (await session.execute(select(table))).all()]
    return "\n".join(dump)


async def test_sent_once_per_key_and_the_link_stored_nowhere(svc: NotifierDriver, caplog):
    caplog.set_level(logging.DEBUG)
    to, token, key = an_address("reset"), secrets.token_urlsafe(24), f"reset-{uuid.uuid4()}"
    payload = body(to, token, display_name="Ada", expires_in_minutes=30)

    first = await post(svc, payload, key)
    assert first.status_code == 200, first.text
    assert first.headers["Idempotent-Replayed"] == "false"
    answer = first.json()
    assert answer["status"] == "sent" and answer["message_id"].endswith("@wallet-reports.test>")
    (mail,) = await svc.sink.wait_for(to)
    assert mail.header("Subject") == "Reset your password"
    assert mail.header("Message-ID") == answer["message_id"]
    assert f"{BASE_URL}/account/reset?token={token}" in mail.text
    assert token in mail.html and "30 minutes" in mail.text and "Hi Ada," in mail.text
    assert mail.message["List-Unsubscribe"] is None

    again = await post(svc, payload, key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == answer
    assert len(svc.sink.to(to)) == 1

    stored = await everything_stored(svc)
    assert to in stored  # the recipient is kept (staff search by it)...
    assert token not in stored and key not in stored  # ...the link and the raw key are not
    # Every log line but the test SMTP server's own (aiosmtpd logs what it receives).
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert token not in ours and key not in ours

    row = await svc.row(id=uuid.UUID(answer["notification_id"]))
    assert (row.template, row.context, row.fact) == ("password_reset", None, row.key)
    detail = (await svc.http.get(f"/admin/api/notifications/{row.id}")).json()
    assert detail["text"] is None and detail["send"] is None
    resend = await svc.http.post(
        f"/admin/api/notifications/{row.id}/resend", json={"staff_email": "grace@example.com"}
    )
    assert resend.status_code == 409 and "one-time link" in resend.json()["error"]["message"]


async def test_the_same_key_for_another_message_is_refused(svc: NotifierDriver):
    key = f"verify-{uuid.uuid4()}"
    to = an_address("verify")
    assert (await post(svc, body(to, "t1", "email_verification"), key)).status_code == 200
    other = await post(svc, body(an_address("other"), "t1", "email_verification"), key)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert len(svc.sink.to(to)) == 1


@pytest.mark.parametrize(
    ("payload", "key", "status", "code"),
    [
        (body("ada@example.com", "t"), None, 400, "idempotency_key_missing"),
        (
            {
                **body("ada@example.com", "t"),
                "variables": {"link": "https://evil.test/reset?token=t"},
            },
            "k-1",
            422,
            "link_not_ours",
        ),
        (
            {**body("ada@example.com", "t"), "template": "payment_received"},
            "k-2",
            422,
            "invalid_request",
        ),
        ({**body("ada@example.com", "t"), "unknown": 1}, "k-3", 422, "invalid_request"),
        (body("not an address", "t"), "k-4", 422, "invalid_request"),
    ],
)
async def test_what_is_refused_before_anything_is_sent(
    svc: NotifierDriver, payload, key, status, code
):
    response = await post(svc, payload, key)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


async def test_a_refused_recipient_is_refused_again_with_the_same_key(svc: NotifierDriver):
    to, key = an_address("bounce"), f"verify-{uuid.uuid4()}"
    svc.sink.refuse(to)
    first = await post(svc, body(to, "t", "email_verification"), key)
    assert first.status_code == 422 and first.json()["error"]["code"] == "recipient_refused"
    again = await post(svc, body(to, "t", "email_verification"), key)
    assert again.status_code == 422 and again.json()["error"]["code"] == "recipient_refused"


async def test_a_server_away_is_503_and_the_same_key_sends_once_it_is_back(svc: NotifierDriver):
    to, key = an_address("later"), f"verify-{uuid.uuid4()}"
    await svc.proxy.cut()
    try:
        away = await post(svc, body(to, "t", "email_verification"), key)
    finally:
        await svc.proxy.restore()
    assert away.status_code == 503 and away.json()["error"]["code"] == "email_unavailable"
    back = await post(svc, body(to, "t", "email_verification"), key)
    assert back.status_code == 200 and back.json()["status"] == "sent"
    assert back.headers["Idempotent-Replayed"] == "false"
    (mail,) = await svc.sink.wait_for(to)
    assert mail.header("Subject") == "Confirm your email address"
