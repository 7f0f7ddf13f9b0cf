"""How the sandbox fetches an import's ``file_url``, as Ongage does: over HTTP, once.

A server that fetches URLs its callers name is a classic way in (server-side request
forgery), so the sandbox is stricter than it needs to be for tests:

* Only ``http``/``https`` URLs, and only to a loopback address (``127.0.0.0/8``,
  ``::1``, ``localhost``) unless ``SandboxConfig.import_fetch_hosts`` names more hosts
  (``"*"``: any).  Host names are compared as written, never resolved: a name that
  resolves to loopback today and elsewhere tomorrow is still refused.
* Redirects are followed only to the same scheme, host and port, at most five times;
  a redirect anywhere else ends the import in error.
* Proxies from the environment are ignored (``trust_env=False``): the fetch goes where
  the URL says.
* The file, and what a ZIP unpacks to, may not exceed ``import_max_bytes``; the size a
  ZIP declares is not trusted, the bytes read are counted.

A failed fetch is a :class:`FileUnreachable` (the import ends in 90001); a file that
came but cannot be imported (a ZIP of several files, bytes in the wrong encoding, no
``email`` column) is a :class:`FileInvalid` (90008).
"""

from __future__ import annotations

import io
import ipaddress
import zipfile
from collections.abc import Sequence

import httpx

__all__ = ["FileInvalid", "FileUnreachable", "fetch_file", "unpack"]

_REDIRECTS = 5
_READ = 1024 * 1024


class FileUnreachable(Exception):
    """The file could not be fetched (status 90001)."""


class FileInvalid(Exception):
    """The file came but is not an importable CSV (status 90008)."""


def _host_allowed(url: httpx.URL, hosts: Sequence[str]) -> bool:
    host = url.host.lower()
    if "*" in hosts or host in hosts or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name, not an address: never resolved here
        return False


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host.lower(), url.port


async def fetch_file(
    url: str, *, hosts: Sequence[str] = (), max_bytes: int, timeout: float = 30.0
) -> bytes:
    """The body at ``url``, following same-origin redirects only."""
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FileUnreachable(f"not a URL: {exc}") from None
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=timeout) as http:
        for _ in range(_REDIRECTS + 1):
            if target.scheme not in ("http", "https"):
                raise FileUnreachable(f"only http and https URLs are fetched, not {target.scheme}")
            if not _host_allowed(target, hosts):
                raise FileUnreachable(f"the sandbox fetches from loopback only, not {target.host}")
            try:
                async with http.stream("GET", target) as response:
                    if response.is_redirect:
                        location = target.join(response.headers.get("location", ""))
                        if _origin(location) != _origin(target):
                            raise FileUnreachable(
                                f"redirected to another host ({location.host}): not followed"
                            )
                        target = location
                        continue
                    if response.status_code != 200:
                        raise FileUnreachable(
                            f"the file's URL answered HTTP {response.status_code}"
                        )
                    return await _read(response, max_bytes)
            except httpx.HTTPError as exc:
                raise FileUnreachable(
                    f"the file could not be fetched ({type(exc).__name__})"
                ) from None
    raise FileUnreachable(f"more than {_REDIRECTS} redirects")


async def _read(response: httpx.Response, max_bytes: int) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise FileUnreachable(f"the file is larger than {max_bytes} bytes")
    return bytes(body)


def unpack(data: bytes, *, max_bytes: int) -> bytes:
    """``data`` itself, or the one file inside it when it is a ZIP."""
    if not data.startswith(b"PK\x03\x04"):
        return data
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise FileInvalid(f"a ZIP must hold exactly one file, not {len(members)}")
            out = bytearray()
            with archive.open(members[0]) as member:
                while chunk := member.read(_READ):
                    out += chunk
                    if len(out) > max_bytes:  # what it declares is not trusted
                        raise FileInvalid(f"the ZIP unpacks to more than {max_bytes} bytes")
            return bytes(out)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise FileInvalid(f"not a readable ZIP: {exc}") from None
