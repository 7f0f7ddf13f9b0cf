"""Every exception the SDK raises, in one tree (re-exported by the package).

```
OngageError
├── ConfigurationError (ValueError)      bad or missing settings, at construction
├── InvalidArgumentError (ValueError)    a call's arguments, before anything is sent
│   └── ListIdConflictError
├── ClientClosedError (RuntimeError)
├── DeadlineExceededError (TimeoutError)
│   └── BudgetExhaustedError             no start possible before the deadline
├── APIConnectionError                   no whole answer: refused, dropped, DNS
│   └── APITimeoutError
├── APIError                             the server answered with an error
│   ├── BadRequestError (400, 413)
│   ├── AuthenticationError (401)
│   ├── PermissionDeniedError (403)
│   ├── NotFoundError (404)
│   ├── ValidationError (412)
│   ├── RateLimitError (429, after the retries)
│   ├── ServerError (5xx)
│   ├── AmbiguousOutcomeError            a repeated write refused: outcome unknown
│   └── InvalidResponseError             not Ongage's JSON envelope
│       └── ResponseTooLargeError
├── ContactWriteError                    rows Ongage refused inside "error: false"
├── JobFailedError                       an import/export/search ended in error
├── JobTimeoutError (TimeoutError)       wait(timeout=) ran out
├── GovernorUnavailableError             the shared governor's Redis is unreachable
├── StagingError                         a file could not be staged for an import
└── ImportUnconfirmedError               POST /api/import got no clear answer
```

Errors that come from the server are :class:`APIError` subclasses keyed by HTTP
status, as the OpenAI SDK does, so ``except NotFoundError`` reads like the situation it
handles.  Errors raised before anything is sent (bad arguments, missing credentials)
are also ``ValueError`` subclasses, so generic argument-checking code keeps working.

No exception built here ever holds the request headers: the credentials travel in
headers, and exception messages end up in logs and tracebacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "AmbiguousOutcomeError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExhaustedError",
    "ClientClosedError",
    "ConfigurationError",
    "DeadlineExceededError",
    "InvalidArgumentError",
    "ListIdConflictError",
    "NotFoundError",
    "OngageError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "ValidationError",
    "InvalidResponseError",
    "ResponseTooLargeError",
    "ContactWriteError",
    "JobFailedError",
    "JobTimeoutError",
    "GovernorUnavailableError",
    "ImportUnconfirmedError",
    "StagingError",
    "error_for_status",
]


class OngageError(Exception):
    """Base class of every error this SDK raises."""


class ConfigurationError(OngageError, ValueError):
    """The client was built with missing or unusable settings (e.g. no credentials).

    Attributes:
        settings: the `OngageClient` arguments at fault (`("account_code",)`), when the
            error is about particular ones; the CLI names its flags and variables from it.
        problem: what is wrong with them, without their names (`"is not set"`).
    """

    def __init__(
        self, message: str, *, settings: tuple[str, ...] = (), problem: str | None = None
    ) -> None:
        super().__init__(message)
        self.settings: tuple[str, ...] = settings
        self.problem: str = problem or message


class ClientClosedError(OngageError, RuntimeError):
    """The client (or the client a view was made from) has been closed."""


class InvalidArgumentError(OngageError, ValueError):
    """A call's arguments are wrong; raised before anything is sent."""


class ListIdConflictError(InvalidArgumentError):
    """The call names two different list ids.

    Ongage silently picks one by precedence (body > query > route), which turns a
    typo into a write to the wrong list; the SDK refuses instead.
    """


class DeadlineExceededError(OngageError, TimeoutError):
    """The call's deadline passed (waiting for budget, attempts and back-offs included)."""


class BudgetExhaustedError(DeadlineExceededError):
    """The call cannot start before its deadline: the budget is spent (or paused) until later.

    Raised at once, without waiting.  ``retry_after`` is how many seconds until the
    budget frees up, for a ``Retry-After`` header.
    """

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class APIConnectionError(OngageError):
    """The request could not be completed at the transport level.

    ``__cause__`` is the underlying :mod:`httpx` exception.
    """

    def __init__(self, message: str, *, method: str, url: str, request_sent: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        #: False only when no byte can have reached the server (no connection was made).
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout expired."""


class APIError(OngageError):
    """The server answered with an error.

    Carries what Ongage said (``status``, ``code``, ``message``, ``errors``) and the
    raw body, so nothing the server sent is lost even when it is not JSON (an HTML
    page from a proxy, say).
    """

    status: int
    code: int | None
    message: str
    errors: Sequence[Any]
    body: str
    method: str
    url: str
    headers: Mapping[str, str]

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: int | None = None,
        errors: Sequence[Any] = (),
        body: str = "",
        method: str = "",
        url: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = tuple(errors)
        self.body = body
        self.method = method
        self.url = url
        # Response headers only (e.g. Retry-After); request headers hold secrets.
        self.headers = dict(headers or {})

    @property
    def status_code(self) -> int:
        """The HTTP status, as httpx and the OpenAI SDK name it (`status` is the same)."""
        return self.status

    @property
    def request(self) -> httpx.Request:
        """The request, rebuilt without its headers (they carry the credentials)."""
        return httpx.Request(self.method or "GET", self.url or "https://invalid/")

    @property
    def response(self) -> httpx.Response:
        """The answer as an `httpx.Response`: status, headers and body as received.

        Rebuilt from what the error keeps, so its `.request` holds no credentials.
        """
        # The body is kept decoded: headers about its wire encoding would make httpx
        # decode it a second time.
        headers = {
            name: value
            for name, value in self.headers.items()
            if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        }
        return httpx.Response(
            self.status, headers=headers, content=self.body.encode(), request=self.request
        )

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method else ""
        code = f" code={self.code}" if self.code is not None and self.code != self.status else ""
        return f"HTTP {self.status}{code}: {self.message}{where}"

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(status={self.status}, code={self.code}, message={self.message!r})"


class AmbiguousOutcomeError(APIError):
    """A write may or may not have been done: never a plain "not found".

    An attempt of a write (PUT, DELETE, or a call marked ``idempotent=True``) got no
    clear answer (a 5xx, a timeout, a dropped connection, a body cut short), so it was
    sent again, and the server refused the repeat with a 4xx such as 404.  The first
    attempt can explain that refusal: a ``change_email`` that was done leaves no
    contact at the old address.  ``status``, ``message`` and ``body`` are the refusal's;
    ``earlier`` is the failure that left the outcome unknown.  Read the object back to
    learn which it was.
    """

    def __init__(self, message: str, *, earlier: OngageError | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        #: The failure after which the outcome of the first attempt was unknown.
        self.earlier = earlier


class BadRequestError(APIError):
    """HTTP 400: the request was malformed or a value was invalid."""


class AuthenticationError(APIError):
    """HTTP 401: the credentials were missing or wrong."""


class PermissionDeniedError(APIError):
    """HTTP 403: the user may not do this, or the account has no API access."""


class NotFoundError(APIError):
    """HTTP 404: no such object."""


class ValidationError(APIError):
    """HTTP 412: validation failed (or, for exports, the job is not finished yet)."""


class RateLimitError(APIError):
    """HTTP 429: the account's call budget or parallel-call cap was exceeded.

    Only raised once the retry policy has run out; a 429 is otherwise retried.
    """


class ServerError(APIError):
    """HTTP 5xx: the server (or a proxy in front of it) failed."""


class InvalidResponseError(APIError):
    """The server's answer could not be read as Ongage's JSON envelope.

    ``transient`` is True only for a body that starts as JSON and breaks off (the
    connection was cut): asking again may work.  A redirect, an HTML page where JSON
    was due (a captive portal, a login page) or JSON of another shape would come back
    the same, so they are final.
    """

    def __init__(self, message: str, *, transient: bool = False, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.transient = transient


class ResponseTooLargeError(InvalidResponseError):
    """The answer grew past ``max_response_bytes`` (counted decoded) and was not read on.

    ``status`` and ``headers`` are the answer's; ``body`` holds only its beginning.
    Downloads (``client.download``, export and search files) stream to their file and
    have no such limit.
    """

    def __init__(self, message: str, *, limit: int, **fields: Any) -> None:
        super().__init__(message, **fields)
        #: The ``max_response_bytes`` the answer went past.
        self.limit = limit


class ContactWriteError(OngageError):
    """Some contacts of a write failed (Ongage still said `error: false`).

    Raised by `ContactWriteResult.raise_for_failures()`.

    Attributes:
        failed: Each failed e-mail address and Ongage's reason.
    """

    def __init__(self, failed: Mapping[str, str]) -> None:
        shown = ", ".join(f"{email}: {why}" for email, why in list(failed.items())[:5])
        more = f" and {len(failed) - 5} more" if len(failed) > 5 else ""
        super().__init__(f"{len(failed)} contact(s) failed: {shown}{more}")
        self.failed: dict[str, str] = dict(failed)


class JobFailedError(OngageError):
    """The job ended in an error status (an import's >= 90000).

    Attributes:
        job_id: The job's id.
        status: The final status code.
        description: What Ongage said about it (`status_desc`, or its error).
    """

    def __init__(self, kind: str, job_id: str, status: int | None, description: str) -> None:
        super().__init__(f"{kind} {job_id} failed with status {status}: {description}")
        self.job_id = job_id
        self.status = status
        self.description = description


class JobTimeoutError(OngageError, TimeoutError):
    """`wait(timeout=...)` ran out before the job finished."""


class GovernorUnavailableError(OngageError):
    """The shared governor's store (Redis) cannot be reached; no call was sent."""


class StagingError(OngageError):
    """The file could not be staged (or its URL signed): nothing was imported.

    `__cause__` is the store's own error.
    """


class ImportUnconfirmedError(OngageError):
    """`POST /api/import` got no clear answer: the import may or may not have started.

    It is not sent again (it would import twice).  Look for it with
    `client.imports.list()` (its name is `file_name`) before running the load again.
    The staged file is kept so that an import that did start can still fetch it.

    Attributes:
        file_name: The staged file's name, which is also the import's name.
        earlier: The failure that left the outcome unknown (also `__cause__`).
    """

    def __init__(self, file_name: str, earlier: BaseException) -> None:
        super().__init__(
            f"the import of {file_name} may or may not have started ({type(earlier).__name__}); "
            "it was not sent again, as it would import twice. Check client.imports.list() "
            f"for an import named {file_name} before running it again; the staged file "
            "was kept"
        )
        self.file_name = file_name
        self.earlier = earlier


# -- internal signals: caught inside the SDK, never seen by users ---------------------


class BodyTooLarge(Exception):
    """The body went past the limit; ``head`` is its beginning."""

    def __init__(self, head: bytes) -> None:
        super().__init__("the body is larger than the limit")
        self.head = head


class FallBack(Exception):
    """Internal: Redis failed and the policy says use the local share."""


class RowError(ValueError):
    """A row holds a value that cannot be sent; the message says which and why."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    412: ValidationError,
    413: BadRequestError,
    429: RateLimitError,
}


def error_for_status(status: int) -> type[APIError]:
    """The :class:`APIError` subclass that stands for an HTTP status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return APIError


def describe_transport_error(exc: httpx.HTTPError) -> str:
    """A message for a transport error that names the failure, never the request headers."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
