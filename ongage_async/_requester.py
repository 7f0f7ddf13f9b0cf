"""`Requester`: the little that namespaces, jobs and bulk runs need from a client.

They send calls and read two or three facts; they do not need `OngageClient` itself.
Depending on this protocol instead keeps `resources/`, the jobs and the bulk engine
free of the client module (no import cycle, even for type checking), and lets a test
hand them any object that sends.
"""

from __future__ import annotations

import os
from typing import IO, Any, Protocol

from ._call import CallOptions, SendOptions
from ._compat import Unpack
from ._governor import Governor
from ._priority import Priority

__all__ = ["Requester"]


class Requester(Protocol):
    """What `OngageClient` offers its namespaces: `request`, `download` and its settings."""

    @property
    def list_id(self) -> str | None:
        """The list calls go to unless they name one."""
        ...

    @property
    def priority(self) -> Priority | None:
        """The level set for calls (None: not set)."""
        ...

    @property
    def governor(self) -> Governor:
        """The governor every call passes."""
        ...

    async def request(
        self, method: str, path: str, *, raw: bool = ..., **options: Unpack[CallOptions]
    ) -> Any:
        """The payload; with `raw=True`, the `Response` (`OngageClient.request`)."""
        ...

    async def download(
        self,
        path: str,
        destination: str | os.PathLike[str] | IO[bytes],
        **options: Unpack[SendOptions],
    ) -> int: ...
