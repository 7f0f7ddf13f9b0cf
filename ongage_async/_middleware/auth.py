"""Adds the authentication headers to every call."""

from __future__ import annotations

import attrs

from .._call import Call, Handler
from .._credentials import Credentials, SecretHeaders
from .._response import Response

__all__ = ["AuthMiddleware"]


@attrs.frozen
class AuthMiddleware:
    """Sends ``X_USERNAME``/``X_PASSWORD``/``X_ACCOUNT_CODE`` (or ``x-api-key``)."""

    credentials: Credentials

    async def __call__(self, call: Call, call_next: Handler) -> Response:
        # No local holds the headers, and the call holds them in a type whose repr hides
        # them: every failure's traceback goes through this frame, printed with locals.
        return await call_next(
            attrs.evolve(
                call, headers=SecretHeaders({**call.headers, **self.credentials.headers()})
            )
        )
