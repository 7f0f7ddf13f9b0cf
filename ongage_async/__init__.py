"""ongage-async: an asyncio/trio SDK for the Ongage API that respects the account's limits.

The public API is listed here once: the client, its options and its errors.  The rest
lives in public subpackages, each listing its own:

* `ongage_async.models`: what calls return (`List`, `Contact`, `Page`, `Response`, ...);
* `ongage_async.resources`: the namespaces (`client.lists` is a `ListsResource`), the
  jobs, bulk runs and imports, and the typed fields calls take;
* `ongage_async.governor`: the budget, the in-flight cap and their statistics;
* `ongage_async.middleware`: the call chain (`Middleware`, `Call`, `CallOptions`);
* `ongage_async.redis`, `ongage_async.staging`, `ongage_async.sandbox`: the extras.

Everything else is private (modules whose names start with `_`).
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from ._client import DEFAULT_BASE_URL, OngageClient
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
from ._priority import Reserve
from ._retry import RetryPolicy
from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AmbiguousOutcomeError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExhaustedError",
    "ClientClosedError",
    "ConfigurationError",
    "ContactWriteError",
    "DeadlineExceededError",
    "ImportUnconfirmedError",
    "InvalidArgumentError",
    "InvalidResponseError",
    "JobFailedError",
    "JobTimeoutError",
    "ListIdConflictError",
    "NotFoundError",
    "OngageClient",
    "OngageError",
    "PermissionDeniedError",
    "RateLimitError",
    "Reserve",
    "ResponseTooLargeError",
    "RetryPolicy",
    "ServerError",
    "StagingError",
    "ValidationError",
    "__version__",
]

# Tracebacks, reprs and `except` hints name an exception by its public path
# (`ongage_async.NotFoundError`, not `ongage_async._exceptions.NotFoundError`), as httpx
# does.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type) and issubclass(_value, BaseException):
        _value.__module__ = __name__
del _name, _value

#: The subpackages that took over the names 0.1 exported from here.
_HOMES = ("models", "resources", "governor", "middleware")


def __getattr__(name: str) -> Any:
    """A name 0.1 exported from here still imports, with a warning naming its new home."""
    new = "USE_CLIENT_DEFAULT" if name == "NOT_GIVEN" else name
    home = next(
        (home for home in _HOMES if new in importlib.import_module(f"{__name__}.{home}").__all__),
        None,
    )
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"ongage_async.{name} moved: import it from ongage_async.{home} "
        f"(from ongage_async.{home} import {new})",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(f"{__name__}.{home}"), new)
