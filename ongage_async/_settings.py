"""Checks on the client's settings and a call's arguments, all made before anything is sent."""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Mapping
from typing import Any, TypeGuard
from urllib.parse import parse_qsl, unquote

import httpx

from ._exceptions import ConfigurationError, InvalidArgumentError

__all__ = [
    "as_deadline",
    "as_timeout",
    "check_base_url",
    "check_json",
    "check_params",
    "check_path",
]


def _seconds(value: object) -> TypeGuard[float]:
    # inf is refused like None: a wait without end is what these settings exist to prevent.
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and value > 0
        and math.isfinite(value)
    )


def as_timeout(value: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        if not all(_seconds(t) for t in (value.connect, value.read, value.write, value.pool)):
            raise ConfigurationError(
                "every timeout (connect, read, write, pool) must be a positive, finite "
                "number of seconds"
            )
        return value
    if not _seconds(value):
        raise ConfigurationError(
            f"timeout must be a positive, finite number of seconds, not {value!r}"
        )
    return httpx.Timeout(float(value))


def as_deadline(value: object) -> float | None:
    if value is None:
        return None
    if _seconds(value):
        return float(value)
    raise ConfigurationError(
        f"deadline must be a positive, finite number of seconds (or None), not {value!r}"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _shown_url(base_url: object) -> str:
    # A URL with an '@' may hold user:password: it is never echoed.
    text = repr(base_url)
    return "(not shown: it holds an '@')" if "@" in text else text


def check_base_url(base_url: str, allow_insecure: bool) -> httpx.URL:
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError):
        # from None: httpx's message quotes the URL.
        raise _bad_base_url(f"is not a valid URL: {_shown_url(base_url)}") from None
    if url.userinfo:
        raise _bad_base_url(
            "must not hold credentials (user:password@host): they would show in logs and errors",
            "; pass username=, password= and account_code= instead",
        )
    if url.scheme not in ("https", "http") or not url.host:
        raise _bad_base_url(f"must be an http(s) URL, not {_shown_url(base_url)}")
    if url.scheme == "http" and not allow_insecure and not _is_loopback(url.host):
        raise _bad_base_url(
            "must use https:// (credentials travel in headers); plain http is allowed only "
            "for loopback hosts",
            ", or with allow_insecure=True",
        )
    return url


def _bad_base_url(problem: str, python_hint: str = "") -> ConfigurationError:
    # `problem` names no Python argument, so the CLI can put its flag in front of it.
    return ConfigurationError(
        f"base_url {problem}{python_hint}", settings=("base_url",), problem=problem
    )


#: A path with none of what the checks below look for (whitespace, control characters,
#: a scheme, a query, percent-escapes, backslashes): only dot segments and a leading
#: "//" are left to rule out.  Most paths are such, and this is on every call's way.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/_.@+\-]+")


def check_path(path: object) -> str:
    if (
        isinstance(path, str)
        and _PLAIN_PATH.fullmatch(path)
        and not path.startswith("//")
        and ("." not in path or not any(part in (".", "..") for part in path.split("/")))
    ):
        return path if path.startswith("/") else "/" + path  # as the checks below would
    if not isinstance(path, str) or not path.strip():
        raise InvalidArgumentError(f"path must be a non-empty string, not {path!r:.40}")
    if not path.isprintable() or path != path.strip():
        # "\t//evil.com" would otherwise pass the check below and fail untyped in httpx.
        raise InvalidArgumentError(
            "path must not begin or end with whitespace, nor hold a control character"
        )
    if "://" in path or path.startswith("//"):
        # An absolute URL would send the credentials to whatever host it names.
        raise InvalidArgumentError("path must be relative to base_url, e.g. '/api/lists'")
    route, _, query = path.partition("?")
    if any(part in (".", "..") for part in re.split(r"[/\\]", unquote(route))):
        # httpx (or the server) resolves them: "/500/api/../../999/..." is list 999's.
        raise InvalidArgumentError("path must not hold '.' or '..' segments")
    if any(_names_list_id(name) for name, _ in parse_qsl(query, keep_blank_values=True)):
        raise InvalidArgumentError(
            "pass list_id= (or params={'list_id': ...}), not a list_id in the path's query, "
            "where the check against the call's list cannot see it"
        )
    return path if path.startswith("/") else "/" + path


def _names_list_id(name: str) -> bool:
    return name.strip().lower().removesuffix("[]") == "list_id"


_PARAM_TYPES = (str, int, float, bool, type(None))


def _param_ok(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, _PARAM_TYPES)


def check_params(params: object) -> None:
    """Query parameters httpx sends as they are meant: scalars, or lists of them.

    Anything else (a dict, an object) would go out as its ``str()``, a filter Ongage
    reads literally.
    """
    if params is None:
        return
    if not isinstance(params, Mapping):
        raise InvalidArgumentError("params must be a mapping")
    for name, value in params.items():
        if not isinstance(name, str):
            raise InvalidArgumentError(f"params keys must be strings, not {type(name).__name__}")
        values = value if isinstance(value, (list, tuple)) else [value]
        if not all(_param_ok(v) for v in values):
            raise InvalidArgumentError(
                f"params[{name!r:.40}] must be a string, a number, a bool or None, or a list "
                f"of them, not {type(value).__name__}"
            )


def check_json(body: Any) -> None:
    try:
        json.dumps(body, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidArgumentError(f"json body cannot be sent as JSON: {exc}") from None
