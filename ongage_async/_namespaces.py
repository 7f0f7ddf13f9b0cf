"""The resource namespaces of `OngageClient` (`client.lists`, `client.contacts`...).

Each is created on first use and cached; a view made by `with_options` gets its own,
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
    """Mixed into `OngageClient`: one cached property per namespace."""

    def _as_client(self) -> OngageClient:
        return cast("OngageClient", self)

    @functools.cached_property
    def lists(self) -> resources.ListsResource:
        """Lists: `get`, `list`, `iter`, `create`, `update`, `copy`, `delete`.

        See [`client.lists`][ongage_async.resources.ListsResource].
        """
        return resources.ListsResource(self._as_client())

    @functools.cached_property
    def contacts(self) -> resources.ContactsResource:
        """Contacts: `create`, `update`, `get`, `get_by_id`, `find`, `change_status`, ...; and
        `upsert_many` for any number.

        See [`client.contacts`][ongage_async.resources.ContactsResource].
        """
        return resources.ContactsResource(self._as_client())

    @functools.cached_property
    def imports(self) -> resources.ImportsResource:
        """Imports (asynchronous jobs): `create`, `job`, `get`, `list`, `iter`.

        See [`client.imports`][ongage_async.resources.ImportsResource].
        """
        return resources.ImportsResource(self._as_client())

    @functools.cached_property
    def exports(self) -> resources.ExportsResource:
        """Exports (asynchronous jobs, a ZIP): `create`, `job`.

        See [`client.exports`][ongage_async.resources.ExportsResource].
        """
        return resources.ExportsResource(self._as_client())

    @functools.cached_property
    def transactional(self) -> resources.TransactionalResource:
        """Transactional sends (`send`, `send_content`) and campaigns.

        See [`client.transactional`][ongage_async.resources.TransactionalResource].
        """
        return resources.TransactionalResource(self._as_client())

    @functools.cached_property
    def reports(self) -> resources.ReportsResource:
        """Reports: `query`, `daily`.

        See [`client.reports`][ongage_async.resources.ReportsResource].
        """
        return resources.ReportsResource(self._as_client())

    @functools.cached_property
    def contact_search(self) -> resources.ContactSearchResource:
        """Contact searches (asynchronous jobs): `create`, `job`, `get`, `list`, `delete`.

        See [`client.contact_search`][ongage_async.resources.ContactSearchResource].
        """
        return resources.ContactSearchResource(self._as_client())

    @functools.cached_property
    def contact_activity(self) -> resources.ContactActivityResource:
        """Contact activity reports (asynchronous jobs), as contact searches.

        See [`client.contact_activity`][ongage_async.resources.ContactActivityResource].
        """
        return resources.ContactActivityResource(self._as_client())

    @functools.cached_property
    def segments(self) -> resources.SegmentsResource:
        """Segments: `get`, `list`, `iter`, `create`, `update`, `delete`.

        See [`client.segments`][ongage_async.resources.SegmentsResource].
        """
        return resources.SegmentsResource(self._as_client())

    @functools.cached_property
    def mailings(self) -> resources.MailingsResource:
        """Mailings: `get`, `list`, `iter`, `create`, `update`, `delete`, `abort`, `cancel`,
        `unschedule`.

        See [`client.mailings`][ongage_async.resources.MailingsResource].
        """
        return resources.MailingsResource(self._as_client())

    @functools.cached_property
    def emails(self) -> resources.EmailsResource:
        """E-mail messages (paged by `page`/`page_size`).

        See [`client.emails`][ongage_async.resources.EmailsResource].
        """
        return resources.EmailsResource(self._as_client())

    @functools.cached_property
    def list_fields(self) -> resources.ListFieldsResource:
        """List fields, and `all_lists` (one field in every list).

        See [`client.list_fields`][ongage_async.resources.ListFieldsResource].
        """
        return resources.ListFieldsResource(self._as_client())

    @functools.cached_property
    def esp_connections(self) -> resources.EspConnectionsResource:
        """ESP connections: `options`.

        See [`client.esp_connections`][ongage_async.resources.EspConnectionsResource].
        """
        return resources.EspConnectionsResource(self._as_client())
