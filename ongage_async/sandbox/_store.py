"""The sandbox's in-memory account: lists, contacts, campaigns, mailings and jobs.

Payload shapes follow ``shared/spec``: list ids are numbers (as in the List API
examples); contact ids are opaque 24-character hex strings like Ongage's
(``"5aae312578464ae01f8b4567"``), so a client that assumes digits fails here as it
would against Ongage; every other id (campaigns, mailings, segments, jobs) is stored
as a digit string (``"id": "111670"``); times are unix timestamps; an empty object is
``[]``.  The store keeps native values; each answer gives an object the types its own
page's example shows (a list field's ``id`` is a number, a mailing's ``list_id`` a
string ...: see the handlers).  A contact's ``ocx_status`` is capitalised in answers
(``"Active"``, as on the contacts page); the store keeps the lower-case code and every
comparison with what a client sends ignores case.  A contact's ``ocx_*`` dates are null
until the event happens; ``ocx_import_id`` names the import that created it.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

__all__ = [
    "LIST_DEFAULTS",
    "STATUS_NAMES",
    "USER_ID",
    "ContactRecord",
    "Job",
    "ListRecord",
    "Store",
]

#: the id of the API user the sandbox acts as (``scheduled_by``, ``imported_by``)
USER_ID = "1"

#: the stored status code -> how Ongage spells it in ``ocx_status``
STATUS_NAMES = {
    "active": "Active",
    "unsubscribed": "Unsubscribed",
    "bounced": "Bounced",
    "complaint": "Complaint",
    "removed": "Removed",
    "soft_bounce": "Soft bounce",
}


def now_ts() -> int:
    return int(time.time())


#: A list's settings as the List API page's examples show them when nothing was set
#: (``GET /api/lists/<id>``); ``PUT`` changes the updatable ones.  ``image_host_base``
#: and ``tracking_domain`` are ``""`` on a sending list and null on a suppression list,
#: as in the page's two ``GET /api/lists`` examples.
LIST_DEFAULTS: dict[str, Any] = {
    "notification_email": None,
    "last_stats_date": None,
    "last_events_stats_date": None,
    "last_transactional_stats_date": None,
    "unsubscribe_default_link": True,
    "unsubscribe_success_html": None,
    "unsubscribe_confirmation_html": None,
    "unsubscribe_confirmation_button": "",
    "unsubscribe_redirect_url": None,
    "frequencies": None,
    "frequency_active": False,
    "frequency_html": None,
    "frequency_button": "",
    "frequency_field_id": None,
    "external_url_wrapper": "",
    "welcome_email_id": None,
    "welcome_email_active": False,
    "welcome_email_esp_connection_id": None,
    "welcome_sms_id": None,
    "welcome_sms_active": False,
    "welcome_sms_connection_id": None,
    "welcome_sms_per_segment": None,
    "allowed_provider_connection_ids": None,
    "public_key": None,
    "sms_field_id": None,
    "modified_counts": 0,
    "segment_welcome_emails": None,
    "included_segment_cache": None,
    "excluded_segment_cache": None,
    "header_template_id": None,
    "footer_template_id": None,
    "cke_keep_spaces_empty_blocks": False,
    "preprocess_minutes": None,
    "imports_concurrent_limit": 2,
    "demo_list_step": "",
    "link_query_params": None,
}


@attrs.define
class ListRecord:
    id: int
    name: str
    type: str = "sending"
    description: str = ""
    account_id: int = 1
    default: bool = False
    archive: bool = False
    scope: str | None = None
    hash_type: str = ""
    expiration_date: int = 0
    fields: list[dict[str, Any]] = attrs.field(factory=list)
    settings: dict[str, Any] = attrs.field(factory=dict)
    created: int = attrs.field(factory=now_ts)
    modified: int = attrs.field(factory=now_ts)
    deleted: int | None = None

    def to_payload(self, store: Store) -> dict[str, Any]:
        contacts = list(store.contacts_of(self.id))
        active = [c for c in contacts if c.status == "active"]
        campaign = store.default_campaign_of(self.id)
        host = "" if self.type == "sending" else None
        return {
            "id": self.id,
            "account_id": self.account_id,
            "name": self.name,
            "description": self.description,
            "type": self.type,
            "hash_type": self.hash_type,
            "last_count": len(contacts),
            "last_active_count": len(active),
            "unsubscribes": sum(c.status == "unsubscribed" for c in contacts),
            "complaints": sum(c.status == "complaint" for c in contacts),
            "bounces": sum(c.status == "bounced" for c in contacts),
            "expiration_date": self.expiration_date,
            "scope": self.scope,
            "archive": self.archive,
            "default": self.default,
            "default_transactional_id": None if campaign is None else int(campaign),
            **LIST_DEFAULTS,
            "image_host_base": host,
            "tracking_domain": host,
            **self.settings,
            "created": self.created,
            "modified": self.modified,
            "deleted": self.deleted,
        }


@attrs.define
class ContactRecord:
    id: str
    email: str
    list_id: int
    fields: dict[str, Any] = attrs.field(factory=dict)
    status: str = "active"  # active | unsubscribed | bounced | complaint | soft_bounce | removed
    created: int = attrs.field(factory=now_ts)
    unsubscribe_date: int | None = None
    bounce_date: int | None = None
    complaint_date: int | None = None
    resubscribe_date: int | None = None
    #: the import that created the contact (``ocx_import_id``), None for any other way
    import_id: int | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            **self.fields,
            "ocx_status": STATUS_NAMES[self.status],
            "ocx_created_date": self.created,
            "ocx_unsubscribe_date": self.unsubscribe_date,
            "ocx_bounce_date": self.bounce_date,
            "ocx_complaint_date": self.complaint_date,
            "ocx_resubscribe_date": self.resubscribe_date,
            "ocx_import_id": self.import_id,
        }


@attrs.define
class Job:
    """An asynchronous job that moves through ``statuses`` one step per ``polls`` reads."""

    id: str
    kind: str
    list_id: int
    request: dict[str, Any]
    statuses: tuple[int, ...]
    polls_per_step: int
    polls: int = 0
    final: int | None = None  # forced final status (an error)
    result: list[dict[str, Any]] = attrs.field(factory=list)
    counts: dict[str, int] = attrs.field(factory=dict)
    created: int = attrs.field(factory=now_ts)
    #: what a handler keeps about the job beside its request (times, sizes ...)
    info: dict[str, Any] = attrs.field(factory=dict)

    @property
    def status(self) -> int:
        step = min(self.polls // max(1, self.polls_per_step), len(self.statuses) - 1)
        if self.final is not None and step == len(self.statuses) - 1:
            return self.final
        return self.statuses[step]

    @property
    def done(self) -> bool:
        return self.polls // max(1, self.polls_per_step) >= len(self.statuses) - 1

    def poll(self) -> int:
        status = self.status
        self.polls += 1
        return status


class Store:
    """Everything the sandbox account holds."""

    def __init__(self, default_list_id: int = 10001) -> None:
        self.default_list_id = default_list_id
        self.lists: dict[int, ListRecord] = {}
        self.contacts: dict[int, dict[str, ContactRecord]] = {}
        #: simple collections (mailings, segments, emails, list_fields): name -> id -> object
        self.collections: dict[str, dict[str, dict[str, Any]]] = {}
        self.campaigns: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, Job] = {}
        #: mailing id -> its run (in progress -> completed), advanced by reads
        self.mailing_runs: dict[str, Job] = {}
        #: every transactional e-mail sent (what reports are computed from)
        self.sends: list[dict[str, Any]] = []
        #: file_url -> CSV text, for imports: read instead of fetching the URL over HTTP
        self.files: dict[str, str] = {}
        self._ids = itertools.count(111670)
        # Contact ids are shaped like Ongage's (a MongoDB ObjectId): 4 bytes of time,
        # 5 random bytes fixed for this store, a 3-byte counter.  The middle starts
        # with a letter so that no id is ever all digits (a client must not parse them).
        self._contact_ids = itertools.count(int.from_bytes(os.urandom(3), "big"))
        self._contact_id_middle = "abcdef"[os.urandom(1)[0] % 6] + os.urandom(5).hex()[1:]
        self._list_ids = itertools.count(default_list_id + 1)
        self.add_list(name="Default list", default=True, id=default_list_id)

    def next_id(self) -> str:
        return str(next(self._ids))

    def next_contact_id(self) -> str:
        """A new contact id: 24 lower-case hex characters, never all digits."""
        counter = next(self._contact_ids) % (1 << 24)
        return f"{now_ts() & 0xFFFFFFFF:08x}{self._contact_id_middle}{counter:06x}"

    def add_list(self, *, id: int | None = None, **values: Any) -> ListRecord:
        list_id = id if id is not None else next(self._list_ids)
        while id is None and list_id in self.lists:
            list_id = next(self._list_ids)
        record = ListRecord(id=list_id, **values)
        self.lists[list_id] = record
        self.contacts.setdefault(list_id, {})
        if record.type == "sending":
            campaign_id = self.next_id()
            self.campaigns[campaign_id] = {
                "id": campaign_id,
                "list_id": list_id,
                "name": "Default transactional campaign",
                "default": True,
                "created": now_ts(),
            }
        return record

    def collection(self, name: str) -> dict[str, dict[str, Any]]:
        return self.collections.setdefault(name, {})

    def live_list(self, list_id: int) -> ListRecord | None:
        record = self.lists.get(list_id)
        return None if record is None or record.deleted is not None else record

    def contacts_of(self, list_id: int) -> Iterator[ContactRecord]:
        return iter(self.contacts.get(list_id, {}).values())

    def find_contact(self, list_id: int, email: str) -> ContactRecord | None:
        return self.contacts.get(list_id, {}).get(email.lower())

    def find_contact_by_id(self, list_id: int, contact_id: str) -> ContactRecord | None:
        return next((c for c in self.contacts_of(list_id) if c.id == contact_id), None)

    def default_campaign_of(self, list_id: int) -> str | None:
        return next(
            (c["id"] for c in self.campaigns.values() if c["list_id"] == list_id and c["default"]),
            None,
        )

    def seed(self, lists: Iterator[Mapping[str, Any]] | Any) -> None:
        for spec in lists:
            spec = dict(spec)
            contacts = spec.pop("contacts", ())
            record = self.add_list(**spec)
            for contact in contacts:
                contact = dict(contact)
                email = contact.pop("email")
                self.contacts[record.id][email.lower()] = ContactRecord(
                    id=self.next_contact_id(), email=email, list_id=record.id, fields=contact
                )
