"""What routes need from the running service, by name (kit.http.dependencies)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from walletreports.kit import ClockDep, Now, UnitsOfWork, collaborator

from ...adapters.dev_mailbox import DevMailbox
from ...adapters.unit_of_work import NotifierUnitOfWork
from ...domain import Channel, Links
from ...service_layer.ports import ChannelPort, EmailSender

__all__ = [
    "ChannelsDep",
    "ClockDep",
    "DevMailboxDep",
    "EmailSenderDep",
    "LinksDep",
    "NotifierUnits",
    "Now",
]

NotifierUnits = Annotated[UnitsOfWork[NotifierUnitOfWork], collaborator("units")]
ChannelsDep = Annotated[Mapping[Channel, ChannelPort], collaborator("channels")]
LinksDep = Annotated[Links, collaborator("links")]
EmailSenderDep = Annotated[EmailSender, collaborator("email_sender")]
DevMailboxDep = Annotated[DevMailbox | None, collaborator("dev_mailbox")]
