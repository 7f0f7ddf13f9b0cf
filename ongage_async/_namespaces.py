"""The resource namespaces of :class:`OngageClient` (``client.lists``, ``client.contacts``...).

Each is created on first use and cached; a view made by ``with_options`` gets its own,
bound to the view's defaults.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, cast

from . import resources

if TYPE_CHECKING:
    from ._client import OngageClient

__all__ = ["Namespaces"]


class Namespaces:
    """Mixed into :class:`OngageClient`: one cached property per namespace."""

    def _as_client(self) -> OngageClient:
        return cast("OngageClient", self)

    @functools.cached_property
    def lists(self) -> resources.ListsResource:
        """Lists: get, list, iter, create, update, copy, delete."""
        return resources.ListsResource(self._as_client())

    @functools.cached_property
    def contacts(self) -> resources.ContactsResource:
        """Contacts: create, update, get, get_by_id, find, change_status, change_email, delete."""
        return resources.ContactsResource(self._as_client())

    @functools.cached_property
    def imports(self) -> resources.ImportsResource:
        """Imports (asynchronous jobs): create, job, get, list, iter."""
        return resources.ImportsResource(self._as_client())

    @functools.cached_property
    def exports(self) -> resources.ExportsResource:
        """Exports (asynchronous jobs, ZIP): create, job, get."""
        return resources.ExportsResource(self._as_client())

    @functools.cached_property
    def transactional(self) -> resources.TransactionalResource:
        """Transactional sends (send, send_content) and campaigns."""
        return resources.TransactionalResource(self._as_client())

    @functools.cached_property
    def reports(self) -> resources.ReportsResource:
        """Reports: query, daily."""
        return resources.ReportsResource(self._as_client())

    @functools.cached_property
    def contact_search(self) -> resources.ContactSearchResource:
        """Contact searches (asynchronous jobs)."""
        return resources.ContactSearchResource(self._as_client())

    @functools.cached_property
    def contact_activity(self) -> resources.ContactActivityResource:
        """Contact activity reports (asynchronous jobs)."""
        return resources.ContactActivityResource(self._as_client())

    @functools.cached_property
    def segments(self) -> resources.SegmentsResource:
        """Segments: get, list, iter, create, update, delete."""
        return resources.SegmentsResource(self._as_client())

    @functools.cached_property
    def mailings(self) -> resources.MailingsResource:
        """Mailings: get, list, iter, create, update, delete, abort, cancel, unschedule."""
        return resources.MailingsResource(self._as_client())

    @functools.cached_property
    def emails(self) -> resources.EmailsResource:
        """E-mail messages (paged by page/page_size)."""
        return resources.EmailsResource(self._as_client())

    @functools.cached_property
    def list_fields(self) -> resources.ListFieldsResource:
        """List fields, and all_lists."""
        return resources.ListFieldsResource(self._as_client())

    @functools.cached_property
    def esp_connections(self) -> resources.EspConnectionsResource:
        """ESP connections: options."""
        return resources.EspConnectionsResource(self._as_client())
