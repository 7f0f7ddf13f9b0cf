"""The account's limits (the rules are ``_limits.AccountLimits``'s; this layer applies them).

* Every call that gets here counts toward the window, at its arrival time.
* Over the window or over the in-flight cap: a 429 (recorded with the fault
  ``"limit"``), and the call goes no further: no fault is drawn for it and it does
  nothing.
* An admitted call is in flight until its whole answer is written, or until it ends
  without one (a dropped connection, a cancelled task), exactly once.  It stops being
  in flight before the layer outside records it and before the last byte leaves: a
  client that has read the answer may start another call at once and must not meet a
  429 for this one.
"""

from __future__ import annotations

import attrs

from .._limits import AccountLimits
from .._recorder import Recorder
from .asgi import ASGIApp, Message, Receive, Scope, Send, exchange_of, is_last, send_error

__all__ = ["LimitsLayer"]


@attrs.frozen
class LimitsLayer:
    """Admits the call against :class:`AccountLimits` or answers 429."""

    app: ASGIApp
    limits: AccountLimits
    recorder: Recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange = exchange_of(scope)
        admission = self.limits.admit(exchange.arrived)
        if not admission.allowed:
            self.recorder.rejected_429 += 1
            exchange.fault = "limit"
            await send_error(send, 429, admission.reason)
            return
        self.recorder.peak_in_flight = max(self.recorder.peak_in_flight, self.limits.in_flight)
        running = True

        def finish() -> None:
            nonlocal running
            if running:
                running = False
                self.limits.finish()

        async def send_and_finish(message: Message) -> None:
            if is_last(message):
                finish()
            await send(message)

        try:
            await self.app(scope, receive, send_and_finish)
        finally:
            finish()
