"""ongage-async: an asyncio/trio SDK for the Ongage API that respects the account's limits.

The public API is listed here, once; everything else lives in private modules.
"""

from ._budget import BudgetSnapshot, RateBudget, SlidingWindowBudget
from ._bulk import BulkOperation, BulkProgress, BulkResult
from ._call import USE_CLIENT_DEFAULT, ByteSink, Call, Handler, Middleware
from ._client import DEFAULT_BASE_URL, OngageClient
from ._concurrency import ConcurrencyCap, LocalConcurrencyCap
from ._credentials import Credentials
from ._exceptions import (
    AmbiguousOutcomeError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BudgetExhaustedError,
    ClientClosedError,
    ConfigurationError,
    ContactWriteError,
    DeadlineExceededError,
    ImportUnconfirmedError,
    InvalidArgumentError,
    InvalidResponseError,
    JobFailedError,
    JobTimeoutError,
    ListIdConflictError,
    NotFoundError,
    OngageError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    StagingError,
    ValidationError,
)
from ._governor import Governor, GovernorStats
from ._import import ImportProgress, ImportResult
from ._jobs import ExportJob, ImportJob, Job, SearchJob
from ._priority import PRIORITIES, Priority, Reserve
from ._raw import RawResponse
from ._response import Response
from ._retry import RetryPolicy
from ._version import __version__
from .models import (
    AllListsFieldResult,
    Contact,
    ContactStatus,
    ContactWriteResult,
    EmailMessage,
    EspConnection,
    ExportStatus,
    Import,
    List,
    ListField,
    Mailing,
    MailingStatus,
    Page,
    SearchStatus,
    Segment,
    SendResult,
    StatusChangeResult,
    TransactionalCampaign,
)
from .resources import Criterion, Report

__all__ = [
    "APIConnectionError",
    "AmbiguousOutcomeError",
    "AllListsFieldResult",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExhaustedError",
    "BudgetSnapshot",
    "BulkOperation",
    "BulkProgress",
    "BulkResult",
    "ByteSink",
    "Call",
    "ClientClosedError",
    "ConcurrencyCap",
    "ConfigurationError",
    "DeadlineExceededError",
    "Contact",
    "ContactStatus",
    "ContactWriteError",
    "ContactWriteResult",
    "Credentials",
    "Criterion",
    "DEFAULT_BASE_URL",
    "EmailMessage",
    "EspConnection",
    "ExportJob",
    "ExportStatus",
    "Governor",
    "GovernorStats",
    "Handler",
    "Import",
    "ImportJob",
    "ImportProgress",
    "ImportResult",
    "ImportUnconfirmedError",
    "InvalidArgumentError",
    "InvalidResponseError",
    "Job",
    "JobFailedError",
    "JobTimeoutError",
    "List",
    "ListField",
    "ListIdConflictError",
    "LocalConcurrencyCap",
    "Mailing",
    "MailingStatus",
    "Middleware",
    "USE_CLIENT_DEFAULT",
    "NotFoundError",
    "OngageClient",
    "OngageError",
    "Page",
    "PermissionDeniedError",
    "PRIORITIES",
    "Priority",
    "RateBudget",
    "RateLimitError",
    "RawResponse",
    "Report",
    "Response",
    "Reserve",
    "ResponseTooLargeError",
    "RetryPolicy",
    "SearchJob",
    "SearchStatus",
    "Segment",
    "SendResult",
    "ServerError",
    "SlidingWindowBudget",
    "StagingError",
    "StatusChangeResult",
    "TransactionalCampaign",
    "ValidationError",
    "__version__",
]

# Tracebacks, reprs and `except` hints name an exception by its public path
# (`ongage_async.NotFoundError`, not `ongage_async._exceptions.NotFoundError`), as httpx does.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type) and issubclass(_value, BaseException):
        _value.__module__ = __name__
del _name, _value
