"""Typed results: frozen attrs classes built from Ongage's payloads."""

from ._convert import Page
from .campaigns import (
    AllListsFieldResult,
    EmailMessage,
    EspConnection,
    ListField,
    Mailing,
    MailingStatus,
    Segment,
    SendResult,
    TransactionalCampaign,
)
from .contacts import (
    Contact,
    ContactStatus,
    ContactWriteResult,
    StatusChangeResult,
)
from .jobs import ExportStatus, Import, SearchStatus
from .lists import List

__all__ = [
    "AllListsFieldResult",
    "Contact",
    "ContactStatus",
    "ContactWriteResult",
    "EmailMessage",
    "EspConnection",
    "ExportStatus",
    "Import",
    "List",
    "ListField",
    "Mailing",
    "MailingStatus",
    "Page",
    "SearchStatus",
    "Segment",
    "SendResult",
    "StatusChangeResult",
    "TransactionalCampaign",
]
