"""The built-in middleware, one module each; the order they run in lives in ``_client``."""

from .auth import AuthMiddleware
from .deadline import DeadlineMiddleware
from .governor import GovernorMiddleware
from .list_id import ListIdMiddleware
from .retry import RetryMiddleware

__all__ = [
    "AuthMiddleware",
    "DeadlineMiddleware",
    "GovernorMiddleware",
    "ListIdMiddleware",
    "RetryMiddleware",
]
