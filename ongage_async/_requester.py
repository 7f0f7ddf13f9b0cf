"""`Requester`: the little that namespaces, jobs and bulk runs need from a client.

They send calls and read two or three facts; they do not need `OngageClient` itself.
Depending on this protocol instead keeps `resources/`, the jobs and the bulk engine
free of the client module (no import cycle, even for type checking), and lets a test
hand them any object that sends.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO, Any, Literal, Protocol, overload

import httpx

from ._call import UseClientDefault
from ._governor import Governor
from ._priority import Priority
from ._response import Response
from ._retry import RetryPolicy

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

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = ...,
        json: Any = ...,
        list_id: int | str | UseClientDefault | None = ...,
        idempotent: bool | None = ...,
        list_scoped: bool = ...,
        retry: RetryPolicy | Literal[False] | UseClientDefault = ...,
        timeout: float | httpx.Timeout | UseClientDefault = ...,
        deadline: float | UseClientDefault | None = ...,
        priority: Priority | UseClientDefault = ...,
        raw: Literal[False] = ...,
    ) -> Any: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = ...,
        json: Any = ...,
        list_id: int | str | UseClientDefault | None = ...,
        idempotent: bool | None = ...,
        list_scoped: bool = ...,
        retry: RetryPolicy | Literal[False] | UseClientDefault = ...,
        timeout: float | httpx.Timeout | UseClientDefault = ...,
        deadline: float | UseClientDefault | None = ...,
        priority: Priority | UseClientDefault = ...,
        raw: Literal[True],
    ) -> Response: ...

    async def download(
        self,
        path: str,
        destination: str | os.PathLike[str] | IO[bytes],
        *,
        params: Mapping[str, Any] | None = ...,
        list_id: int | str | UseClientDefault | None = ...,
        list_scoped: bool = ...,
        retry: RetryPolicy | Literal[False] | UseClientDefault = ...,
        timeout: float | httpx.Timeout | UseClientDefault = ...,
        deadline: float | UseClientDefault | None = ...,
        priority: Priority | UseClientDefault = ...,
    ) -> int: ...
