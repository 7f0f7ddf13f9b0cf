"""The sandbox's ASGI layers, one concern each; the order they run in lives in ``_app``.

Each layer is a pure ASGI app that wraps the next (``Layer(app, ...)``), as Starlette's
middleware do; what one call's layers tell each other travels in its scope
(:data:`~.asgi.STATE`), never on the layers, which every call shares.
"""

from .auth import AuthLayer, RecorderReadout
from .exchange import ExchangeLayer
from .faults import ConnectionDropped, FaultLayer
from .limits import LimitsLayer
from .router import BodyLimitLayer, Router

__all__ = [
    "AuthLayer",
    "BodyLimitLayer",
    "ConnectionDropped",
    "ExchangeLayer",
    "FaultLayer",
    "LimitsLayer",
    "RecorderReadout",
    "Router",
]
