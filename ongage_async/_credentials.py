"""Credentials, looked up once and never shown.

They are kept out of every ``repr``: attrs would otherwise print them in any
traceback or log line that formats the client.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

from ._errors import ConfigurationError

__all__ = ["Credentials"]

_REDACTED = "'***'"


def _redacted(value: object) -> str:
    return _REDACTED if value else repr(value)


@attrs.frozen
class Credentials:
    """Ongage API credentials: the three ``X_*`` headers, or a newer ``x-api-key``."""

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
        """Fill what was not given from ``ONGAGE_*`` variables; raise naming what is missing."""
        env = os.environ if environ is None else environ
        api_key = api_key or env.get("ONGAGE_API_KEY") or None
        values = {
            "username": username or env.get("ONGAGE_USERNAME") or None,
            "password": password or env.get("ONGAGE_PASSWORD") or None,
            "account_code": account_code or env.get("ONGAGE_ACCOUNT_CODE") or None,
        }
        if api_key is None:
            missing = [name for name, value in values.items() if value is None]
            if missing:
                wanted = ", ".join(f"{name}= (or ONGAGE_{name.upper()})" for name in missing)
                raise ConfigurationError(
                    f"OngageClient is missing credentials: pass {wanted}, or api_key="
                )
        for name, value in {**values, "api_key": api_key}.items():
            if value is not None and not isinstance(value, str):
                raise ConfigurationError(f"{name} must be a string, not {type(value).__name__}")
        return cls(api_key=api_key, **values)

    def headers(self) -> dict[str, str]:
        """The authentication headers Ongage expects (underscores as documented)."""
        if self.api_key:
            return {"x-api-key": self.api_key}
        return {
            "X_USERNAME": self.username or "",
            "X_PASSWORD": self.password or "",
            "X_ACCOUNT_CODE": self.account_code or "",
        }

    def secrets(self) -> tuple[str, ...]:
        """Every secret value, for tests and log filters that must prove none leaks."""
        values = (self.username, self.password, self.account_code, self.api_key)
        return tuple(v for v in values if v)
