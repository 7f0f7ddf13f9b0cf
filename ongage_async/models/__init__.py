"""Typed results: frozen attrs classes built from Ongage's payloads."""

from ._convert import Page
from .campaigns import (
    EmailMessage,
    EspConnection,
    ListField,
    Mailing,
    Segment,
    SendResult,
    TransactionalCampaign,
)
from .contacts import Contact, ContactWriteError, ContactWriteResult, StatusChangeResult
from .jobs import ExportStatus, Import, SearchStatus
from .lists import List

__all__ = [
    "Contact",
    "ContactWriteError",
    "ContactWriteResult",
    "EmailMessage",
    "EspConnection",
    "ExportStatus",
    "Import",
    "List",
    "ListField",
    "Mailing",
    "Page",
    "SearchStatus",
    "Segment",
    "SendResult",
    "StatusChangeResult",
    "TransactionalCampaign",
]
