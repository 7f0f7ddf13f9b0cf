"""`client.esp_connections`: the sending connections the account may use (page 820215810)."""

from __future__ import annotations

from .._exceptions import InvalidArgumentError
from .._types import Id, Query
from ..models import EspConnection
from ._base import APIResource, chosen_list, rows_of

__all__ = ["EspConnectionsResource"]


class EspConnectionsResource(APIResource):
    """`client.esp_connections`: the sending connections the account may use."""

    async def options(
        self,
        *,
        active_only: bool | None = None,
        list_id: Id | None = None,
        extra_query: Query | None = None,
    ) -> tuple[EspConnection, ...]:
        """The account's sending connections: `GET /api/esp_connections/options`.

        Each has its `id`, `esp_id`, `esp_name`, `support_transactional` and `name`.
        Sent with the list, as every Ongage call may be ("otherwise the default list ID
        will be used").

        Args:
            active_only: Ask Ongage for the active connections only.
            list_id: The list (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        if active_only is not None and not isinstance(active_only, bool):
            raise InvalidArgumentError("active_only must be True or False")
        params = None if active_only is None else {"active_only": active_only}
        payload = await self._call(
            "GET",
            "/api/esp_connections/options",
            params=params,
            extra_query=extra_query,
            list_id=chosen_list(list_id),
        )
        rows = rows_of(payload)
        return tuple(EspConnection.from_payload(row) for row in rows)
