"""Resource namespaces, one module each; `client.<name>` is the matching class."""

from .._bulk import BulkOptions
from .contact_activity import ContactActivityResource
from .contact_search import ContactSearchResource, Criterion, SearchOptions
from .contacts import ContactsResource
from .emails import EmailFields, EmailFilters, EmailsResource
from .esp_connections import EspConnectionsResource
from .exports import ExportsResource
from .imports import ImportsResource
from .list_fields import ListFieldFields, ListFieldsResource
from .lists import ListFilters, ListsResource
from .mailings import MailingFields, MailingsResource
from .reports import Report, ReportsResource
from .segments import SegmentFields, SegmentsResource
from .transactional import TransactionalFields, TransactionalResource, TransactionalSendOptions

__all__ = [
    "BulkOptions",
    "ContactActivityResource",
    "ContactSearchResource",
    "ContactsResource",
    "Criterion",
    "EmailFields",
    "EmailFilters",
    "EmailsResource",
    "EspConnectionsResource",
    "ExportsResource",
    "ImportsResource",
    "ListFieldFields",
    "ListFieldsResource",
    "ListFilters",
    "ListsResource",
    "MailingFields",
    "MailingsResource",
    "Report",
    "ReportsResource",
    "SearchOptions",
    "SegmentFields",
    "SegmentsResource",
    "TransactionalFields",
    "TransactionalResource",
    "TransactionalSendOptions",
]
