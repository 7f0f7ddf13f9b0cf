"""Resource namespaces, one module each; `client.<name>` is the matching class.

Also what they take and hand back that is not a plain result: the jobs (`ImportJob`,
`ExportJob`, `SearchJob`), a bulk run (`BulkOperation`, `BulkOptions`, `BulkProgress`,
`BulkResult`), an import's (`ImportProgress`, `ImportResult`), a contact
search's `Criterion`, and the typed fields of each namespace's calls.
"""

from .._import import ImportProgress, ImportResult, ImportRunOptions
from .._types import Body, Id, Query
from ._bulk import BulkOperation, BulkOptions, BulkProgress, BulkResult
from ._jobs import ExportJob, ImportJob, Job, SearchJob
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
    "Body",
    "BulkOperation",
    "BulkOptions",
    "BulkProgress",
    "BulkResult",
    "ContactActivityResource",
    "ContactSearchResource",
    "ContactsResource",
    "Criterion",
    "EmailFields",
    "EmailFilters",
    "EmailsResource",
    "EspConnectionsResource",
    "ExportJob",
    "ExportsResource",
    "Id",
    "ImportJob",
    "ImportProgress",
    "ImportResult",
    "ImportRunOptions",
    "ImportsResource",
    "Job",
    "ListFieldFields",
    "ListFieldsResource",
    "ListFilters",
    "ListsResource",
    "MailingFields",
    "MailingsResource",
    "Query",
    "Report",
    "ReportsResource",
    "SearchJob",
    "SearchOptions",
    "SegmentFields",
    "SegmentsResource",
    "TransactionalFields",
    "TransactionalResource",
    "TransactionalSendOptions",
]
