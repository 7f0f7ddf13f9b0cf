"""ongage-async: an asyncio/trio SDK for the Ongage API that respects the account's limits.

The public API is listed here, once; everything else lives in private modules.
"""

from ._budget import BudgetSnapshot, RateBudget, SlidingWindowBudget
from ._call import NOT_GIVEN, Call, Handler, Middleware
from ._client import DEFAULT_BASE_URL, OngageClient
from ._concurrency import ConcurrencyCap, LocalConcurrencyCap
from ._credentials import Credentials
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    InvalidArgumentError,
    ListIdConflictError,
    NotFoundError,
    OngageError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from ._governor import Governor, GovernorStats
from ._response import InvalidResponseError, Response
from ._retry import RetryPolicy
from ._version import __version__
from .models import List, Page

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetSnapshot",
    "Call",
    "ClientClosedError",
    "ConcurrencyCap",
    "ConfigurationError",
    "Credentials",
    "DEFAULT_BASE_URL",
    "Governor",
    "GovernorStats",
    "Handler",
    "InvalidArgumentError",
    "InvalidResponseError",
    "List",
    "ListIdConflictError",
    "LocalConcurrencyCap",
    "Middleware",
    "NOT_GIVEN",
    "NotFoundError",
    "OngageClient",
    "OngageError",
    "Page",
    "PermissionDeniedError",
    "RateBudget",
    "RateLimitError",
    "Response",
    "RetryPolicy",
    "ServerError",
    "SlidingWindowBudget",
    "ValidationError",
    "__version__",
]
