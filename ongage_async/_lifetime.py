"""What ``aclose()`` does to the calls still running.

* A call that waits for the governor or sleeps between attempts has nothing on the
  wire: it fails at once with :class:`ClientClosedError`.  Left alone it would wake
  up, maybe minutes later, to a closed connection pool.
* An attempt on the wire is let finish: its answer is the caller's (a send may have
  gone out, and cutting the connection would hide that).  If it fails, it is not
  retried: the next wait ends at once in :class:`ClientClosedError`.
* ``aclose()`` returns once no attempt is on the wire, and only then closes the pool.

Each call runs in a cancel scope that :meth:`Lifetime.close` cancels; the scope is
found again at the end of the chain through a context variable, which is how the
innermost step knows whose attempt is on the wire.
"""

from __future__ import annotations

from contextvars import ContextVar

import anyio

from ._call import Call, Handler
from ._credentials import forget_transport_locals
from ._exceptions import ClientClosedError
from ._response import Response

__all__ = ["Lifetime"]

_CLOSED = "this OngageClient has been closed"


class _Running:
    """One call in progress: its cancel scope, and whether an attempt is on the wire."""

    __slots__ = ("on_wire", "scope")

    def __init__(self) -> None:
        self.scope = anyio.CancelScope()
        self.on_wire = False


_CURRENT: ContextVar[_Running | None] = ContextVar("ongage_async_running_call", default=None)


class Lifetime:
    """The open/closed state of a client and its views, and the calls running in it."""

    def __init__(self) -> None:
        self.closed = False
        self._running: set[_Running] = set()
        self._on_wire = 0
        self._idle: anyio.Event | None = None

    async def run(self, chain: Handler, call: Call) -> Response:
        """Send ``call`` through ``chain``; :class:`ClientClosedError` if closed meanwhile."""
        if self.closed:
            raise ClientClosedError(_CLOSED)
        running = _Running()
        self._running.add(running)
        token = _CURRENT.set(running)
        try:
            with running.scope:
                return await chain(call)
        finally:
            _CURRENT.reset(token)
            self._running.discard(running)
        # Only reached when close() cancelled this call's scope.
        raise ClientClosedError(f"{_CLOSED} while {call.method} {call.path} was waiting")

    def wire(self, send: Handler) -> Handler:
        """Wrap the sender: mark the attempt as on the wire while it is."""

        async def on_wire(call: Call) -> Response:
            if self.closed:
                raise ClientClosedError(_CLOSED)
            running = _CURRENT.get()
            if running is not None:
                running.on_wire = True
            self._on_wire += 1
            try:
                return await send(call)
            except Exception as exc:
                forget_transport_locals(exc)
                if self.closed and running is not None:
                    running.scope.cancel()  # no retry after close: the next wait ends at once
                raise
            finally:
                if running is not None:
                    running.on_wire = False
                self._on_wire -= 1
                if self._on_wire == 0 and self._idle is not None:
                    self._idle.set()
                    self._idle = None

        return on_wire

    async def close(self) -> None:
        """Fail every call that waits; return once no attempt is on the wire."""
        self.closed = True
        for running in list(self._running):
            if not running.on_wire:
                running.scope.cancel()
        if self._on_wire:
            if self._idle is None:
                self._idle = anyio.Event()
            await self._idle.wait()
