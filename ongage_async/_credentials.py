"""Credentials, looked up once, checked once and never shown.

They are kept out of every ``repr``: attrs would otherwise print them in any
traceback or log line that formats the client.  They are checked before anything is
sent: a line break in a header value ends up quoted in the HTTP library's error (and
from there in logs, spans and the CLI's output), and a non-ASCII character in an
untyped ``UnicodeEncodeError`` that quotes the whole value.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

import attrs

from ._exceptions import ConfigurationError

__all__ = ["Credentials", "SecretHeaders", "forget_transport_locals"]

_REDACTED = "'***'"
_VARIABLES = {
    "username": "ONGAGE_USERNAME",
    "password": "ONGAGE_PASSWORD",
    "account_code": "ONGAGE_ACCOUNT_CODE",
    "api_key": "ONGAGE_API_KEY",
}


def _redacted(value: object) -> str:
    return _REDACTED if value else repr(value)


class SecretHeaders(Mapping[str, str]):
    """Request headers whose values no ``repr`` shows.

    The credentials travel in headers.  Held in this type rather than in a dict, they
    stay out of tracebacks printed with their locals (``traceback`` with
    ``capture_locals``, Rich) and of anything else that formats the objects it meets.
    """

    __slots__ = ("_headers",)

    def __init__(self, headers: Mapping[str, str] | None = None) -> None:
        self._headers = dict(headers or {})

    def __getitem__(self, name: str) -> str:
        return self._headers[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)

    def __repr__(self) -> str:
        return f"SecretHeaders({dict.fromkeys(self._headers, '***')!r})"


def forget_transport_locals(exc: BaseException) -> None:
    """Clear the locals of the HTTP stack's frames in ``exc``'s traceback and its chain.

    Those frames hold the request as it went on the wire (h11's ``Request`` event, the
    serialized bytes), credentials included, and a traceback printed with its locals
    (Rich, Sentry, ``capture_locals``) would show them.  Each frame's file and line
    stay; the SDK's own frames, which hold no header value, keep their locals.
    """
    pending, seen = [exc], set()
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        tb = error.__traceback__
        while tb is not None:
            if not str(tb.tb_frame.f_globals.get("__name__")).startswith("ongage_async."):
                with contextlib.suppress(RuntimeError):  # a frame still running
                    tb.tb_frame.clear()
            tb = tb.tb_next
        pending += [e for e in (error.__cause__, error.__context__) if e is not None]


def _without_trailing_newline(value: str) -> str:
    # What Path.read_text() and most secret files leave; anything else is the user's.
    if value.endswith("\r\n"):
        return value[:-2]
    return value[:-1] if value.endswith("\n") else value


def _problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as a header value (never quoting it), or None."""
    if not value.isascii():
        return "contains a non-ASCII character (HTTP headers carry ASCII only)"
    if not value.isprintable():
        return "contains a line break or another control character"
    if value != value.strip(" "):
        return "begins or ends with a space (HTTP would drop it)"
    return None


def _lookup(
    given: Mapping[str, object], env: Mapping[str, str]
) -> Credentials | ConfigurationError:
    """The credentials, or why there are none: a message naming fields, never values.

    It returns rather than raises so that the frame the error leaves from holds no
    credential (nor ``os.environ``) in its locals.
    """
    values: dict[str, str | None] = {}
    for name, value in given.items():
        where = name
        if not value:
            value, where = env.get(_VARIABLES[name]), f"{name} (from {_VARIABLES[name]})"
        if value is not None and not isinstance(value, str):
            wrong = f"must be a string, not {type(value).__name__}"
            return ConfigurationError(f"{name} {wrong}", settings=(name,), problem=wrong)
        value = _without_trailing_newline(value) if value else None
        problem = _problem(value) if value else None
        if problem:
            return ConfigurationError(f"{where} {problem}", settings=(name,), problem=problem)
        values[name] = value or None
    missing = [name for name, value in values.items() if value is None and name != "api_key"]
    if values["api_key"] is None and missing:
        wanted = ", ".join(f"{name}= (or {_VARIABLES[name]})" for name in missing)
        return ConfigurationError(
            f"OngageClient is missing credentials: pass {wanted}, or api_key=",
            settings=tuple(missing),
            problem="is not set" if len(missing) == 1 else "are not set",
        )
    return Credentials(**values)


@attrs.frozen
class Credentials:
    """Ongage API credentials: the three documented ``X_*`` headers, or ``x-api-key``.

    ``x-api-key`` is optional and undocumented: no Ongage page found describes it.
    """

    username: str | None = attrs.field(default=None, repr=_redacted)
    password: str | None = attrs.field(default=None, repr=_redacted)
    account_code: str | None = attrs.field(default=None, repr=_redacted)
    api_key: str | None = attrs.field(default=None, repr=_redacted)

    @classmethod
    def resolve(
        cls,
        username: str | None,
        password: str | None,
        account_code: str | None,
        api_key: str | None,
        environ: Mapping[str, str] | None = None,
    ) -> Credentials:
        """Fill what was not given from ``ONGAGE_*`` variables; raise naming what is wrong.

        One trailing newline (``\\n`` or ``\\r\\n``, as ``Path.read_text()`` leaves it) is
        stripped.  Any other control character, a non-ASCII character or a leading or
        trailing space raises :class:`ConfigurationError`, naming the field, never the
        value.
        """
        given = {
            "username": username,
            "password": password,
            "account_code": account_code,
            "api_key": api_key,
        }
        outcome = _lookup(given, os.environ if environ is None else environ)
        # Out of this frame's locals before raising: a traceback printed with them shows them.
        del username, password, account_code, api_key, environ, given
        if isinstance(outcome, ConfigurationError):
            raise outcome
        return outcome

    def headers(self) -> SecretHeaders:
        """The authentication headers Ongage expects (underscores as documented)."""
        if self.api_key:
            return SecretHeaders({"x-api-key": self.api_key})
        return SecretHeaders(
            {
                "X_USERNAME": self.username or "",
                "X_PASSWORD": self.password or "",
                "X_ACCOUNT_CODE": self.account_code or "",
            }
        )
