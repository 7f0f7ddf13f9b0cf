"""The sandbox's ASGI application: the order in which a real Ongage treats a call.

The app is a stack of small pure-ASGI layers built once, as Starlette builds its
middleware stack; each layer is in ``_layers`` and does one thing.  Outermost first::

    ExchangeLayer -> AuthLayer -> RecorderReadout -> LimitsLayer -> FaultLayer
        -> BodyLimitLayer -> Router

1. ``ExchangeLayer``: the whole request arrives and the call's arrival time is taken
   only then (as behind a buffering proxy); every call, whatever answers it, is
   recorded once its answer is written;
2. ``AuthLayer``: a wrong or missing credential is a 401, not counted against any
   account;
3. ``RecorderReadout``: ``/_sandbox/recorder`` answers here, authenticated but neither
   counted nor recorded;
4. ``LimitsLayer``: over the window or over the in-flight cap is a 429; an admitted
   call is in flight until its whole answer is written;
5. ``FaultLayer``: the plan's fault for the call is drawn in arrival order, the
   configured latency passes (in flight), then a fault answers for the call or spoils
   the answer the call gets from the layers below;
6. ``BodyLimitLayer``: a body over ``max_body_bytes`` is a 413;
7. ``Router``: the route, the list it acts on, the handler.

Auth comes before the limits as in the client's chain (``_client``), where the
credentials are set before the governor counts the call; the limits come before the
faults because Ongage refuses a call over its limits before anything else can go wrong
with it.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Sequence

import anyio

from ._config import SandboxConfig
from ._faults import FaultPicker
from ._layers import (
    AuthLayer,
    BodyLimitLayer,
    ConnectionDropped,
    ExchangeLayer,
    FaultLayer,
    LimitsLayer,
    RecorderReadout,
    Router,
)
from ._layers.asgi import ASGIApp, Receive, Scope, Send
from ._limits import AccountLimits
from ._recorder import Recorder
from ._routing import Route
from ._store import Store

__all__ = ["ConnectionDropped", "SandboxApp"]

Layer = Callable[[ASGIApp], ASGIApp]


class SandboxApp:
    """An ASGI app that behaves like the Ongage API for one account."""

    def __init__(
        self,
        config: SandboxConfig,
        store: Store,
        recorder: Recorder,
        routes: list[Route],
        clock: Callable[[], float] | None = None,
    ) -> None:
        #: Where arrival times come from (tests inject a fake; default: the event loop's).
        self.clock: Callable[[], float] = clock or anyio.current_time
        self.config = config
        self.store = store
        self.recorder = recorder
        self.routes = routes
        self.limits: AccountLimits = AccountLimits(
            config.rate_limit, config.rate_period, config.max_concurrency, config.window
        )
        self._faults = FaultPicker(config.faults, random.Random(config.seed))
        #: The layers wrapped around the router, outermost first.
        self.layers: Sequence[Layer] = self._layers()
        app: ASGIApp = Router(routes, store, recorder, config)
        for layer in reversed(self.layers):  # as Starlette's build_middleware_stack
            app = layer(app)
        self.stack: ASGIApp = app

    def _layers(self) -> list[Layer]:
        config, recorder = self.config, self.recorder
        return [
            functools.partial(ExchangeLayer, recorder=recorder, clock=self._now),
            functools.partial(AuthLayer, credentials=config.credentials),
            functools.partial(RecorderReadout, recorder=recorder, period=config.rate_period),
            functools.partial(LimitsLayer, limits=self.limits, recorder=recorder),
            functools.partial(
                FaultLayer,
                picker=self._faults,
                latency=config.latency,
                rng=random.Random(config.seed),
            ),
            functools.partial(BodyLimitLayer, max_bytes=config.max_body_bytes),
        ]

    def _now(self) -> float:
        return self.clock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.stack(scope, receive, send)
