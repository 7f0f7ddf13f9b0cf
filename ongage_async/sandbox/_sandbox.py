"""``Sandbox``: the app, its store and its recorder, and the two ways to reach it."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

import httpx

from ._app import ConnectionDropped, SandboxApp
from ._config import SandboxConfig, SandboxCredentials
from ._recorder import Recorder
from ._store import Store
from .handlers import ROUTES

if TYPE_CHECKING:
    from .._client import OngageClient

__all__ = ["Sandbox", "SandboxTransport"]


class SandboxTransport(httpx.ASGITransport):
    """In-process transport: no sockets, but a dropped connection still looks like one."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=request
            ) from exc


class Sandbox:
    """A faithful in-memory Ongage account.

    >>> sandbox = Sandbox(SandboxConfig(rate_limit=300, rate_period=60))
    >>> client = sandbox.client()            # in process, no sockets
    >>> with sandbox.serve() as base_url:    # or over real HTTP on 127.0.0.1
    ...     ...
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        clock: Callable[[], float] | None = None,
        **settings: Any,
    ) -> None:
        if config is not None and settings:
            raise TypeError("pass a SandboxConfig or keyword settings, not both")
        self.config: SandboxConfig = config if config is not None else SandboxConfig(**settings)
        self.store: Store = Store(self.config.default_list_id)
        self.store.seed(iter(self.config.seed_lists))
        self.recorder: Recorder = Recorder()
        self.app: SandboxApp = SandboxApp(self.config, self.store, self.recorder, ROUTES, clock)

    @property
    def credentials(self) -> SandboxCredentials:
        return self.config.credentials

    @property
    def files(self) -> MutableMapping[str, str]:
        """``file_url -> CSV text`` for imports: read instead of fetching the URL over HTTP."""
        return self.store.files

    def transport(self) -> SandboxTransport:
        """An :class:`httpx.ASGITransport` to this sandbox, for ``OngageClient(transport=...)``."""
        return SandboxTransport(app=self.app)

    def client_settings(self) -> dict[str, Any]:
        """The keyword arguments that point an ``OngageClient`` at this sandbox."""
        creds = self.credentials
        if creds.api_key:
            return {"api_key": creds.api_key}
        return {
            "username": creds.username,
            "password": creds.password,
            "account_code": creds.account_code,
        }

    def client(self, **options: Any) -> OngageClient:
        """An in-process ``OngageClient`` with the sandbox's credentials and limits."""
        from .._client import OngageClient

        settings: dict[str, Any] = {
            **self.client_settings(),
            "base_url": "http://sandbox.localhost",
            "transport": self.transport(),
            "rate_limit": self.config.rate_limit,
            "rate_period": self.config.rate_period,
            "max_concurrency": self.config.max_concurrency,
        }
        settings.update(options)
        return OngageClient(**settings)

    @contextlib.contextmanager
    def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning"
    ) -> Iterator[str]:
        """Serve over real HTTP with uvicorn in a background thread; yields the base URL."""
        import uvicorn  # the [sandbox] extra

        config = uvicorn.Config(
            self.app,
            host=host,
            port=port,
            log_level=log_level,
            lifespan="off",
            access_log=False,
        )
        server = uvicorn.Server(config)
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say so,
        # and without it every answer (headers, then body) waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.bind((host, port))
        except OSError:  # a busy port: the caller hears why, and no socket is left open
            sock.close()
            raise
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the sandbox server did not start")
                time.sleep(0.005)
            yield f"http://{host}:{sock.getsockname()[1]}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
