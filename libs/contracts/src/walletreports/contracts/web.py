"""Events produced by the web service (accounts)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from .base import Event


class NotificationPrefs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    payment_received: bool = True
    processing_started: bool = True
    reports_ready: bool = True


class UserRegistered(Event):
    subject = "web.user.registered.v1"

    user_id: uuid.UUID
    email: str
    display_name: str
    is_staff: bool = False
    notification_prefs: NotificationPrefs = NotificationPrefs()


class UserUpdated(Event):
    subject = "web.user.updated.v1"

    user_id: uuid.UUID
    email: str
    display_name: str
    is_staff: bool = False
    notification_prefs: NotificationPrefs = NotificationPrefs()
