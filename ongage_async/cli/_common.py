"""What every command shares: the connection options, running async code, exit codes.

Exit codes: 0 every row succeeded; 1 some rows failed or were skipped; 2 usage or
configuration error (an unreadable input too: nothing was sent); 3 authentication or
permission error; 4 any other API or network error; 5 the input broke during the run;
130 interrupted (Ctrl-C).  Credentials come from flags or ``ONGAGE_*`` variables and are
never printed.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import anyio
import typer

from .._client import DEFAULT_BASE_URL, OngageClient
from .._exceptions import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    ConfigurationError,
    InvalidArgumentError,
    PermissionDeniedError,
)

__all__ = [
    "EXIT_API",
    "EXIT_AUTH",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "Connection",
    "RateLimit",
    "RatePeriod",
    "run",
]

EXIT_PARTIAL, EXIT_USAGE, EXIT_AUTH, EXIT_API = 1, 2, 3, 4
EXIT_INPUT, EXIT_INTERRUPTED = 5, 130  # 130: 128 + SIGINT, as shells report a Ctrl-C
T = TypeVar("T")

Username = Annotated[
    str | None, typer.Option(envvar="ONGAGE_USERNAME", show_envvar=True, help="Ongage user name.")
]
Password = Annotated[
    str | None,
    typer.Option(
        envvar="ONGAGE_PASSWORD", show_envvar=True, show_default=False, help="Ongage password."
    ),
]
AccountCode = Annotated[
    str | None,
    typer.Option(envvar="ONGAGE_ACCOUNT_CODE", show_envvar=True, help="Ongage account code."),
]
BaseUrl = Annotated[str, typer.Option(envvar="ONGAGE_BASE_URL", help="API base URL.")]
ListId = Annotated[
    int | None,
    typer.Option(
        "--list-id", envvar="ONGAGE_LIST_ID", help="The list to act on (default: the account's)."
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]
RateLimit = Annotated[
    int, typer.Option(envvar="ONGAGE_RATE_LIMIT", min=1, help="The account's calls per window.")
]
RatePeriod = Annotated[
    float, typer.Option(envvar="ONGAGE_RATE_PERIOD", min=0.001, help="The window, in seconds.")
]


class Connection:
    """The options that say where and as whom to connect."""

    def __init__(
        self,
        username: str | None,
        password: str | None,
        account_code: str | None,
        base_url: str,
        list_id: int | None,
        rate_limit: int = 300,
        rate_period: float = 60.0,
    ) -> None:
        self._settings: dict[str, Any] = {
            "username": username,
            "password": password,
            "account_code": account_code,
            "base_url": base_url or DEFAULT_BASE_URL,
            "list_id": list_id,
            "rate_limit": rate_limit,
            "rate_period": rate_period,
        }

    def client(self, **options: Any) -> OngageClient:
        return OngageClient(**self._settings, **options)


#: How a user of the CLI sets what `OngageClient` calls `username=` and so on.
_CLI_NAMES = {
    "username": "--username (or ONGAGE_USERNAME)",
    "password": "--password (or ONGAGE_PASSWORD)",
    "account_code": "--account-code (or ONGAGE_ACCOUNT_CODE)",
    "base_url": "--base-url (or ONGAGE_BASE_URL)",
    "list_id": "--list-id (or ONGAGE_LIST_ID)",
    "rate_limit": "--rate-limit (or ONGAGE_RATE_LIMIT)",
    "rate_period": "--rate-period (or ONGAGE_RATE_PERIOD)",
}


def cli_message(exc: ConfigurationError) -> str:
    """`exc` in the CLI's words: its flags and environment variables, not Python arguments."""
    if not exc.settings or any(name not in _CLI_NAMES for name in exc.settings):
        return str(exc)
    names = [_CLI_NAMES[name] for name in exc.settings]
    if exc.settings == ("username", "password", "account_code"):
        return f"no credentials: set {', '.join(names[:-1])} and {names[-1]}"
    return f"{' and '.join(names)} {exc.problem}"


def fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def run(function: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run a coroutine, turning the SDK's errors into a message and an exit code."""
    try:
        return anyio.run(functools.partial(function, *args))
    except ConfigurationError as exc:
        raise fail(cli_message(exc), EXIT_USAGE) from None
    except InvalidArgumentError as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    except (AuthenticationError, PermissionDeniedError) as exc:
        raise fail(str(exc), EXIT_AUTH) from None
    except (APIError, APIConnectionError) as exc:
        raise fail(str(exc), EXIT_API) from None
    except KeyboardInterrupt:  # pragma: no cover - interactive
        sys.exit(EXIT_INTERRUPTED)
