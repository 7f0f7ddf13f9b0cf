"""Every check on user input, made before anything is sent: one place for each rule.

Small named checks (`positive_int`, `non_negative_int`, `one_of`, `object_id`,
`contact_id`, ...), each a plain function that returns the checked value or raises
`InvalidArgumentError` naming the argument.  `validator(check)` makes any of them an
attrs validator that raises `ConfigurationError` instead, for settings objects
(`RetryPolicy`, `Reserve`, ...).  The client's own settings (`base_url`, `timeout`,
`deadline`) and a raw call's `path`, `params` and `json` are checked here too.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeGuard, TypeVar
from urllib.parse import parse_qsl, unquote

import httpx

from ._exceptions import ConfigurationError, InvalidArgumentError, OngageError

__all__ = [
    "MAX_ID",
    "as_deadline",
    "as_timeout",
    "check_base_url",
    "check_json",
    "check_params",
    "check_path",
    "contact_id",
    "int_at_least",
    "items_of",
    "known_keywords",
    "non_negative_int",
    "object_id",
    "one_of",
    "page_bounds",
    "positive_int",
    "require_text",
    "validator",
]

V = TypeVar("V")


# -- numbers ----------------------------------------------------------------------------


def int_at_least(
    value: object, minimum: int, *, name: str, error: type[OngageError] = InvalidArgumentError
) -> int:
    """`value` if it is an int (not a bool) of at least `minimum`; else `error`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        wanted = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise error(f"{name} must be {wanted}, not {_shown(value)}")
    return value


def positive_int(
    value: object, *, name: str, error: type[OngageError] = InvalidArgumentError
) -> int:
    """An int >= 1 (a count, a page size)."""
    return int_at_least(value, 1, name=name, error=error)


def non_negative_int(
    value: object, *, name: str, error: type[OngageError] = InvalidArgumentError
) -> int:
    """An int >= 0 (an offset, a position, a number of retries)."""
    return int_at_least(value, 0, name=name, error=error)


def page_bounds(offset: object, limit: object) -> tuple[int | None, int | None]:
    """`offset`/`limit` paging arguments: each None or an int >= 0."""
    return (
        None if offset is None else non_negative_int(offset, name="offset"),
        None if limit is None else non_negative_int(limit, name="limit"),
    )


# -- choices and text -------------------------------------------------------------------


def one_of(
    value: object,
    allowed: tuple[str, ...],
    *,
    name: str,
    error: type[OngageError] = InvalidArgumentError,
) -> str | None:
    """An enum-like argument: one of `allowed`, or None (not given)."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise error(f"{name} must be one of {', '.join(allowed)}; got {value!r:.40}")
    return value


def known_keywords(given: Mapping[str, object], allowed: Any, *, where: str) -> None:
    """Refuse a keyword that the `TypedDict` `allowed` does not declare, as Python would.

    For a method that takes `**options: Unpack[SomeOptions]`: a type checker catches a
    misspelt keyword, and this catches it at run time, before anything is sent.
    """
    known = allowed.__required_keys__ | allowed.__optional_keys__
    for name in given:
        if name not in known:
            raise TypeError(f"{where}() got an unexpected keyword argument {name!r}")


def validator(check: Callable[..., Any], **options: Any) -> Callable[[object, Any, Any], None]:
    """`check` as an attrs validator: `attrs.field(validator=validator(positive_int))`.

    It names the class and attribute (`Reserve.slots`) and raises `ConfigurationError`
    (attrs classes here hold settings); `options` go to the check (`allowed=...` for
    `one_of`).
    """

    def run(instance: object, attribute: Any, value: Any) -> None:
        name = f"{type(instance).__name__}.{attribute.name}"
        check(value, name=name, error=ConfigurationError, **options)

    return run


# -- ids --------------------------------------------------------------------------------


#: The largest id: past 2**63 - 1 a server's integer parsing saturates or wraps, and
#: ``list_id=10**30`` would name some other list.
MAX_ID = 2**63 - 1


def object_id(value: object, *, name: str = "id") -> str:
    """A list, mailing, segment, import, export or search id, as Ongage's routes want it.

    A positive integer (an int, or a string of ASCII digits: `"²"` and `"٣"` pass
    `str.isdigit()` but are no Ongage id) up to 2**63 - 1, returned as a string without
    leading zeros.
    """
    where = name
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{where} must be a positive integer, not {value!r}")
    if isinstance(value, int):
        if 0 < value <= MAX_ID:
            return str(value)
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        digits = value.lstrip("0")
        # Length first: int() of thousands of digits is slow, or a plain ValueError.
        if 0 < len(digits) <= len(str(MAX_ID)) and int(digits) <= MAX_ID:
            return digits
    raise InvalidArgumentError(
        f"{where} must be a positive integer up to 2**63 - 1, not {_shown(value)}"
    )


def require_text(value: object, *, name: str) -> str:
    """A non-empty string argument."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{name} must be a non-empty string, not {value!r:.40}")
    return value


def items_of(value: object, *, name: str, allow_empty: bool = False) -> list[Any]:
    """A list argument (any iterable but a string, bytes or mapping), checked before use."""
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        raise InvalidArgumentError(
            f"{name} must be a list or other sequence, not {type(value).__name__}"
        )
    items = list(value)
    if not items and not allow_empty:
        raise InvalidArgumentError(f"{name} must not be empty")
    return items


def _shown(value: object) -> str:
    if isinstance(value, int) and value.bit_length() > 128:
        return "an integer of that size"  # repr() of a huge int is slow, or a ValueError
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


def contact_id(value: object, *, name: str = "contact_id") -> str:
    """A contact id: opaque to the client (Ongage's are hex, ``"5aae312578464ae01f8b4567"``).

    Any non-empty string of printable ASCII without ``/``, ``?``, ``#``, ``%``, ``\\``
    or spaces is accepted (an int too, for old numeric ids), but not ``.`` or ``..``:
    those would change the path the id is put in.
    """
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be a contact id string, not {value!r}")
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return str(value)
    if (
        isinstance(value, str)
        and value not in ("", ".", "..")
        and len(value) <= 128
        and value.isascii()
        and value.isprintable()
        and not any(c in value for c in "/?#% \\")
    ):
        return value
    raise InvalidArgumentError(f"{name} must be a non-empty contact id string, not {_shown(value)}")


# -- the client's settings and a raw call's parts --------------------------------------


def _seconds(value: object) -> TypeGuard[float]:
    # inf is refused like None: a wait without end is what these settings exist to prevent.
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and value > 0
        and math.isfinite(value)
    )


def as_timeout(
    value: float | httpx.Timeout, error: type[OngageError] = ConfigurationError
) -> httpx.Timeout:
    """A `timeout` setting (or, with `error=InvalidArgumentError`, a call's)."""
    if isinstance(value, httpx.Timeout):
        if not all(_seconds(t) for t in (value.connect, value.read, value.write, value.pool)):
            raise error(
                "every timeout (connect, read, write, pool) must be a positive, finite "
                "number of seconds"
            )
        return value
    if not _seconds(value):
        raise error(f"timeout must be a positive, finite number of seconds, not {value!r}")
    return httpx.Timeout(float(value))


def as_deadline(value: object, error: type[OngageError] = ConfigurationError) -> float | None:
    """A `deadline` setting in seconds, or None for none (a call's with `error=`)."""
    if value is None:
        return None
    if _seconds(value):
        return float(value)
    raise error(f"deadline must be a positive, finite number of seconds (or None), not {value!r}")


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
