"""Resource namespaces, one module each; `client.<name>` is the matching class."""

from .._bulk import BulkOptions
from .contact_activity import ContactActivityResource
from .contact_search import ContactSearchResource, Criterion
from .contacts import ContactsResource
from .emails import EmailsResource
from .esp_connections import EspConnectionsResource
from .exports import ExportsResource
from .imports import ImportsResource
from .list_fields import ListFieldsResource
from .lists import ListsResource
from .mailings import MailingsResource
from .reports import Report, ReportsResource
from .segments import SegmentsResource
from .transactional import TransactionalResource

__all__ = [
    "BulkOptions",
    "ContactActivityResource",
    "ContactSearchResource",
    "ContactsResource",
    "Criterion",
    "EmailsResource",
    "EspConnectionsResource",
    "ExportsResource",
    "ImportsResource",
    "ListFieldsResource",
    "ListsResource",
    "MailingsResource",
    "Report",
    "ReportsResource",
    "SegmentsResource",
    "TransactionalResource",
]
