"""Typed results: frozen attrs classes built from Ongage's payloads, and the answers,
pages and reports the namespaces return."""

from .._raw import RawResponse
from .._response import Response
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
from .reports import Report

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
    "RawResponse",
    "Report",
    "Response",
    "SearchStatus",
    "Segment",
    "SendResult",
    "StatusChangeResult",
    "TransactionalCampaign",
]
