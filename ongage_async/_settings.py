"""Checks on the client's settings and a call's arguments, all made before anything is sent."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import httpx

from ._errors import ConfigurationError, InvalidArgumentError

__all__ = [
    "as_deadline",
    "as_timeout",
    "check_base_url",
    "check_json",
    "check_path",
]


def as_timeout(value: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        if None in (value.connect, value.read, value.write, value.pool):
            raise ConfigurationError("every timeout (connect, read, write, pool) must be set")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(f"timeout must be a positive number of seconds, not {value!r}")
    return httpx.Timeout(float(value))


def as_deadline(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(f"deadline must be a positive number of seconds, not {value!r}")
    return float(value)


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str, allow_insecure: bool) -> httpx.URL:
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigurationError(f"base_url is not a valid URL: {base_url!r}") from exc
    if url.scheme not in ("https", "http") or not url.host:
        raise ConfigurationError(f"base_url must be an http(s) URL, not {base_url!r}")
    if url.scheme == "http" and not allow_insecure and not _is_loopback(url.host):
        raise ConfigurationError(
            "base_url must use https:// (credentials travel in headers); plain http is "
            "allowed only for loopback hosts, or with allow_insecure=True"
        )
    return url


def check_path(path: object) -> str:
    if not isinstance(path, str) or not path.strip():
        raise InvalidArgumentError(f"path must be a non-empty string, not {path!r:.40}")
    if "://" in path or path.startswith("//"):
        # An absolute URL would send the credentials to whatever host it names.
        raise InvalidArgumentError("path must be relative to base_url, e.g. '/api/lists'")
    return path if path.startswith("/") else "/" + path


def check_json(body: Any) -> None:
    try:
        json.dumps(body, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidArgumentError(f"json body cannot be sent as JSON: {exc}") from None
