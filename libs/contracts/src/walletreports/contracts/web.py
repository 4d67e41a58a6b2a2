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


class _UserProfile(Event):
    """What other services may know of a user (notifier keeps it as a contact)."""

    user_id: uuid.UUID
    email: str
    display_name: str
    is_staff: bool = False
    notification_prefs: NotificationPrefs = NotificationPrefs()


class UserRegistered(_UserProfile):
    subject = "web.user.registered.v1"


class UserUpdated(_UserProfile):
    subject = "web.user.updated.v1"
