"""``client.esp_connections``: the sending connections the account may use."""

from __future__ import annotations

from ..models import EspConnection
from ._base import APIResource

__all__ = ["EspConnectionsResource"]


class EspConnectionsResource(APIResource):
    async def options(self) -> tuple[EspConnection, ...]:
        """``GET /api/esp_connections/options``."""
        payload = await self._client.request(
            "GET", "/api/esp_connections/options", list_scoped=False
        )
        rows = payload if isinstance(payload, list) else []
        return tuple(EspConnection.from_payload(row) for row in rows)
