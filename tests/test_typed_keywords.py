"""Typed keywords on the public methods, and the `extra_query=`/`extra_body=` escape hatch.

A typo in a keyword (`segments.list(nmae="x")`) is a `TypeError` before anything is
sent, never a `?nmae=x` Ongage would ignore (and `tests/typing/check_keywords.py` makes
it a type-checking error). Fields the SDK does not model go in `extra_query=` or
`extra_body=`: merged over what the SDK builds (the caller's value wins), and checked
like everything else before anything is sent.
"""

from __future__ import annotations

import inspect
import json
import sys
import typing
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from ongage_async import InvalidArgumentError, OngageClient
from ongage_async.resources import Criterion
from ongage_async.sandbox import Sandbox

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover
    from typing_extensions import Unpack

LATER = 4102444800  # 2100-01-01
OK = {"metadata": {"error": False, "total": 0}, "payload": {"id": "7", "name": "x"}}

Call = Callable[[OngageClient], Awaitable[Any]]


async def _drain(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


# -- a typo is a TypeError, and nothing is sent ----------------------------------------

TYPOS: dict[str, Call] = {
    "segments.list": lambda c: c.segments.list(nmae="x"),
    "segments.iter": lambda c: _drain(c.segments.iter(nmae="x")),
    "segments.create": lambda c: c.segments.create(name="s", descripton="d"),
    "segments.update": lambda c: c.segments.update(1, nmae="s"),
    "segments.get": lambda c: c.segments.get(1, lsit_id=5),
    "mailings.list": lambda c: c.mailings.list(ofset=1),
    "mailings.create": lambda c: c.mailings.create(name="m", shedule_date=LATER),
    "mailings.update": lambda c: c.mailings.update(1, shedule_date=LATER),
    "mailings.abort": lambda c: c.mailings.abort(1, extra_qeury={}),
    "emails.list": lambda c: c.emails.list(pgae=2),
    "emails.iter": lambda c: _drain(c.emails.iter(subjet="x")),
    "emails.create": lambda c: c.emails.create(name="e", subjet="x"),
    "transactional.list": lambda c: c.transactional.list(ordr="ASC"),
    "transactional.create": lambda c: c.transactional.create(
        name="t", description="d", mesage_type="email"
    ),
    "transactional.send": lambda c: c.transactional.send(1, ["a@example.com"], campain_id=2),
    "list_fields.create": lambda c: c.list_fields.create(
        name="f", title="F", type="string", position=1, mandatroy=True
    ),
    "list_fields.update": lambda c: c.list_fields.update(1, titel="F"),
    "lists.update": lambda c: c.lists.update(500, name="n", frequncy_active=True),
    "lists.iter": lambda c: _drain(c.lists.iter(tpye="sending")),
    "contact_search.list": lambda c: c.contact_search.list(ordr="DESC"),
    "contact_search.create": lambda c: c.contact_search.create(
        [Criterion("email", "notempty")], title="t", user_tpye="active"
    ),
    "contact_activity.create": lambda c: c.contact_activity.create(
        [Criterion("email", "notempty")], title="t", from_dat=1
    ),
    "imports.list": lambda c: c.imports.list(nmae="x"),
    "reports.query": lambda c: c.reports.query(["sent"], extra_bdy={}),
    "exports.create": lambda c: c.exports.create(
        "e", statuses=["active"], date_format="mm/dd/yyyy", segment_ids=[1], feilds=["email"]
    ),
    "esp_connections.options": lambda c: c.esp_connections.options(active=True),
}


@pytest.mark.parametrize("name", sorted(TYPOS))
async def test_a_typo_is_a_type_error_before_anything_is_sent(
    client: OngageClient, sandbox: Sandbox, name: str
) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        await TYPOS[name](client)
    assert sandbox.recorder.calls == []


def _public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def _namespaces() -> dict[str, type]:
    async def nothing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=OK)

    client = OngageClient("u", "p", "A", transport=httpx.MockTransport(nothing))
    found = {}
    for name in dir(OngageClient):
        if name.startswith("_") or callable(getattr(OngageClient, name)):
            continue  # the namespaces are properties (plain or cached)
        value = getattr(client, name)
        if type(value).__module__.startswith("ongage_async.resources."):
            found[name] = type(value)
    return found


#: Methods that make no call: a handle on a job started earlier.
_NO_CALL = {"job"}
#: Methods that send a JSON body.
_BODIES = {"create", "update", "copy", "send", "send_content", "query", "daily", "all_lists"}
#: Contacts' methods that send a JSON object (create and update may send an array).
_CONTACT_BODIES = {"change_status", "change_email", "delete"}
#: Runs of many calls: their options are `BulkOptions` (or an import's), and a chunk's
#: body is an array, which no extra field can join.
_RUNS = {"bulk_upsert", "upsert_many", "update_many", "change_status_many", "import_rows"}


def test_no_public_method_takes_any_keyword() -> None:
    namespaces = _namespaces()
    assert {"segments", "mailings", "lists", "contact_search"} <= set(namespaces)
    declared: dict[str, set[str]] = {}
    for name, cls in namespaces.items():
        for method, signature in _public_methods(cls).items():
            for param in signature.parameters.values():
                if param.kind is not inspect.Parameter.VAR_KEYWORD:
                    continue
                # Every `**fields` is typed: `Unpack[<a TypedDict>]`, declared once.
                module = sys.modules[getattr(cls, method).__module__]
                annotation = eval(param.annotation, vars(module))  # the string, resolved
                assert typing.get_origin(annotation) is Unpack, f"{name}.{method}"
                (fields,) = typing.get_args(annotation)
                assert typing.is_typeddict(fields), f"{name}.{method}"
                declared.setdefault(fields.__name__, set()).add(f"{name}.{method}")
    # The bulk runs share BulkOptions; create and update of a collection share its fields.
    assert declared["BulkOptions"] == {
        f"contacts.{m}" for m in ("bulk_upsert", "upsert_many", "update_many", "change_status_many")
    }
    assert declared["SegmentFields"] == {"segments.create", "segments.update"}
    assert declared["EmailFilters"] == {"emails.list", "emails.iter"}
    assert declared["ListFilters"] == {"lists.list", "lists.iter"}
    assert declared["SearchOptions"] == {"contact_search.create", "contact_activity.create"}


async def test_fields_are_checked_like_named_parameters() -> None:
    wire = Wire()
    async with wire.client() as client:
        with pytest.raises(TypeError, match=r"^SegmentsResource\.create\(\) got an unexpected"):
            await client.segments.create(name="s", nmae="x")  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="'subjet'"):
            client.emails.iter(subjet="x")  # type: ignore[call-arg]  # at the call, as Python does
        await client.emails.create(name="e", subject="s", type="template")
        await client.lists.list(type="sending", order="ASC", offset=2)
    assert wire.body(0) == {"name": "e", "type": "template", "subject": "s"}
    assert wire.query(1) == {"type": "sending", "order": "ASC", "offset": "2"}


def test_every_call_takes_extra_query_and_every_body_extra_body() -> None:
    checked = 0
    for name, cls in _namespaces().items():
        for method, signature in _public_methods(cls).items():
            if method in _NO_CALL or (name == "contacts" and method in _RUNS):
                continue
            params = signature.parameters
            assert "extra_query" in params, f"{name}.{method}"
            assert params["extra_query"].kind is inspect.Parameter.KEYWORD_ONLY
            assert params["extra_query"].default is None
            if (method in _BODIES and name != "contacts") or (
                name == "contacts" and method in _CONTACT_BODIES
            ):
                assert "extra_body" in params, f"{name}.{method}"
                assert params["extra_body"].default is None
            checked += 1
    assert checked >= 40


# -- extra_query / extra_body reach the wire, over what the SDK built ------------------


class Wire:
    """A client on an `httpx.MockTransport` that keeps every request it is sent."""

    def __init__(self, answer: dict[str, Any] | None = None) -> None:
        self.sent: list[httpx.Request] = []
        self.answer = answer or OK

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return httpx.Response(200, json=self.answer)

    def client(self) -> OngageClient:
        transport = httpx.MockTransport(self.handler)
        return OngageClient("u", "p", "A", list_id=500, transport=transport, retry=False)

    def query(self, index: int = -1) -> dict[str, str]:
        return dict(self.sent[index].url.params)

    def body(self, index: int = -1) -> Any:
        return json.loads(self.sent[index].content)


async def test_extra_query_is_sent_and_wins() -> None:
    wire = Wire()
    async with wire.client() as client:
        await client.segments.list(limit=10, extra_query={"limit": 5, "favorite": 1})
        await client.mailings.abort(3, extra_query={"force": True})
        await client.lists.get(7, extra_query={"with_stats": "yes"})
    assert wire.query(0) == {"limit": "5", "favorite": "1"}
    assert wire.query(1) == {"force": "true"}
    assert wire.query(2) == {"with_stats": "yes"}


async def test_extra_body_is_sent_and_wins() -> None:
    wire = Wire()
    async with wire.client() as client:
        await client.segments.create(
            name="a", description="d", extra_body={"description": "over", "favorite": True}
        )
        await client.lists.update(12, name="n", extra_body={"welcome_email_active": True})
        await client.transactional.send(
            1, ["a@example.com"], extra_body={"campaign_id": 9}, extra_query={"v": 2}
        )
        await client.reports.query(["sent"], limit=3, extra_body={"limit": 4, "time_zone": "UTC"})
    assert wire.body(0) == {"name": "a", "description": "over", "favorite": True}
    assert wire.body(1) == {"name": "n", "welcome_email_active": True}
    assert wire.body(2)["campaign_id"] == 9 and wire.query(2) == {"v": "2"}
    assert wire.body(3)["limit"] == 4 and wire.body(3)["time_zone"] == "UTC"


async def test_contacts_and_imports_take_the_extras_too() -> None:
    wire = Wire()
    async with wire.client() as client:
        await client.contacts.change_status(
            ["a@example.com"], "unsubscribe", extra_body={"ocx_reason": "asked"}
        )
        await client.contacts.get("a@example.com", extra_query={"behavior": 1})
        await client.contacts.create(
            [{"email": "a@example.com"}, {"email": "b@example.com"}], extra_query={"x": 1}
        )
        await client.imports.get(8, extra_query={"detailed": 1})
    assert wire.body(0)["ocx_reason"] == "asked" and wire.body(0)["change_to"] == "unsubscribe"
    assert wire.query(1) == {"behavior": "1"}
    assert len(wire.body(2)) == 2 and wire.query(2) == {"x": "1"}  # an array body, as built
    assert wire.sent[3].url.path == "/500/api/import/8" and wire.query(3) == {"detailed": "1"}
    assert len(wire.sent) == 4
    # Several contacts go as an array, which extra fields cannot join: so create and
    # update take extra_query only, and the one merge refuses the case outright.
    from ongage_async.resources._base import with_extra

    with pytest.raises(InvalidArgumentError, match="array"):
        with_extra([{"email": "a@example.com"}], {"x": 1}, name="extra_body")


async def test_extra_body_may_replace_a_whole_object() -> None:
    wire = Wire()
    async with wire.client() as client:
        await client.contact_search.create(
            [Criterion("email", "notempty")],
            title="t",
            user_type="active",
            extra_body={"filters": {"criteria": [], "user_type": "all"}},
        )
    # Top-level merge, as in the Anthropic SDK: the caller's `filters` replaces the SDK's.
    assert wire.body()["filters"] == {"criteria": [], "user_type": "all"}
    assert wire.body()["title"] == "t"


async def test_extra_query_goes_with_every_page() -> None:
    pages = {"metadata": {"error": False, "total": 3}, "payload": [{"id": "1", "name": "a"}]}
    wire = Wire(pages)
    async with wire.client() as client:
        found = [m async for m in client.emails.iter(page_size=1, extra_query={"folder": 4})]
    assert len(found) == 3
    assert [wire.query(i) for i in range(3)] == [
        {"page": str(n), "page_size": "1", "folder": "4"} for n in (1, 2, 3)
    ]


async def test_without_extras_the_request_is_unchanged() -> None:
    wire = Wire()
    async with wire.client() as client:
        await client.segments.update(4, description="d")
        await client.list_fields.update(5, title="T", position=2)
    assert wire.body(0) == {"description": "d"}  # fields not given are not sent
    assert wire.body(1) == {"title": "T", "position": 2}


# -- extras are checked like everything else, before anything is sent ------------------

BAD_EXTRAS: dict[str, Call] = {
    "object in extra_body": lambda c: c.segments.create(name="s", extra_body={"x": object()}),
    "nan in extra_body": lambda c: c.reports.query(["sent"], extra_body={"limit": float("nan")}),
    "set in extra_body": lambda c: c.transactional.send(
        1, ["a@example.com"], extra_body={"tags": {1, 2}}
    ),
    "extra_body not a mapping": lambda c: c.lists.create(
        name="n",
        type="sending",
        extra_body=[("x", 1)],  # type: ignore[arg-type]
    ),
    "extra_body key not a string": lambda c: c.segments.update(
        1,
        extra_body={1: "x"},  # type: ignore[dict-item]
    ),
    "dict in extra_query": lambda c: c.segments.list(extra_query={"x": {"nested": 1}}),
    "extra_query not a mapping": lambda c: c.segments.get(
        1,
        extra_query="x=1",  # type: ignore[arg-type]
    ),
    "object in extra_query (iter)": lambda c: _drain(c.lists.iter(extra_query={"x": object()})),
    "id in extra_body": lambda c: c.segments.create(name="s", extra_body={"id": 3}),
    "list_id in extra_body": lambda c: c.emails.update(1, extra_body={"list_id": 3}),
    "list_id in lists.update extra_body": lambda c: c.lists.update(
        1, name="n", extra_body={"list_id": 2}
    ),
    "schedule_date in extra_body": lambda c: c.mailings.create(
        name="m", send_now=True, extra_body={"schedule_date": LATER}
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_EXTRAS))
async def test_a_bad_extra_raises_before_anything_is_sent(name: str) -> None:
    wire = Wire()
    async with wire.client() as client:
        with pytest.raises(InvalidArgumentError):
            await BAD_EXTRAS[name](client)
    assert wire.sent == []


async def test_extras_against_the_sandbox(client: OngageClient, sandbox: Sandbox) -> None:
    with pytest.raises(InvalidArgumentError):
        await client.segments.create(name="s", extra_body={"x": object()})
    assert sandbox.recorder.calls == []
    segment = await client.segments.create(name="s", extra_body={"description": "from extra"})
    assert segment.description == "from extra"
