"""The sandbox's in-memory account: lists, contacts, campaigns, mailings and jobs.

Payload shapes follow ``shared/spec``: list ids are numbers (as in the List API
examples), contact and campaign ids are strings (``"id": "111670"``), times are unix
timestamps, an empty object is ``[]``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

__all__ = ["ContactRecord", "Job", "ListRecord", "Store"]


def now_ts() -> int:
    return int(time.time())


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
            "default_transactional_id": store.default_campaign_of(self.id),
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

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            **self.fields,
            "ocx_status": self.status,
            "ocx_created_date": self.created,
            "ocx_unsubscribe_date": self.unsubscribe_date,
            "ocx_bounce_date": self.bounce_date,
            "ocx_complaint_date": self.complaint_date,
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
        #: every transactional e-mail sent (what reports are computed from)
        self.sends: list[dict[str, Any]] = []
        #: file_url -> CSV text, for imports (the sandbox fetches nothing from the network)
        self.files: dict[str, str] = {}
        self._ids = itertools.count(111670)
        self._list_ids = itertools.count(default_list_id + 1)
        self.add_list(name="Default list", default=True, id=default_list_id)

    def next_id(self) -> str:
        return str(next(self._ids))

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
                    id=self.next_id(), email=email, list_id=record.id, fields=contact
                )
