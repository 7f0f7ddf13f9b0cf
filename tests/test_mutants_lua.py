"""The Redis scripts' Lua, one script call at a time (survivors of `nox -s mutants`).

Each test sets the keys up, runs one script with chosen arguments and reads what it
answered and wrote: a wrong key, sign or index in the Lua shows as a number here,
where a test through the governor sees at most a call that starts a little early.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

redis = pytest.importorskip("redis")

from ongage_async.redis import _scripts  # noqa: E402

HOLD = 5.0  # seconds a token is held while in flight


class Lua:
    """One account's keys in the test Redis, and its scripts."""

    def __init__(self, url: str) -> None:
        self.db = redis.Redis.from_url(url, decode_responses=True)
        self.prefix = f"lua-{uuid.uuid4().hex}"

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def now(self) -> float:
        seconds, micros = self.db.time()
        return float(seconds) + micros / 1_000_000

    def run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        return self.db.register_script(getattr(_scripts, script))(keys=keys, args=args)

    def token(
        self,
        token: str,
        rank: int,
        *,
        member: str = "A",
        limit: int = 2,
        reserve: int = 0,
        more: int = 0,
        pace: float = 0.0,
    ) -> tuple[int, float, int]:
        names = ("tokens", "pause", "htokens", "twait:0", "twait:1", "pace")
        args = [limit, token, HOLD, rank, reserve, member, more, pace]
        granted, wait, used = self.run("ACQUIRE_TOKEN", [self.key(n) for n in names], args)
        return int(granted), float(wait), int(used)

    def lease(
        self, lease: str, rank: int, *, member: str = "A", most: int = 2, reserve: int = 0
    ) -> int:
        names = ("leases", "hleases", "lwait:0", "lwait:1")
        args = [most, lease, 10.0, rank, reserve, member, 0]
        return int(self.run("ACQUIRE_LEASE", [self.key(n) for n in names], args))

    def score(self, name: str, member: str) -> float | None:
        found = self.db.zscore(self.key(name), member)
        return None if found is None else float(found)


@pytest.fixture
def lua(redis_url: str) -> Iterator[Lua]:
    lua = Lua(redis_url)
    yield lua
    lua.db.close()


def test_a_waiting_level_is_registered_under_its_own_key_for_a_second(lua: Lua) -> None:
    lua.db.zadd(lua.key("tokens"), {"busy": lua.now() + 60})
    assert lua.token("t1", 1, limit=1)[0] == 0  # no token: A's normal caller waits
    registered = lua.score("twait:1", "A")
    assert registered is not None and 0.5 < registered - lua.now() <= 1.0
    assert lua.db.zcard(lua.key("htokens")) == 0
    lua.db.zrem(lua.key("tokens"), "busy")
    assert lua.token("t1", 1, limit=1)[0] == 1  # granted, nobody else waits here
    assert lua.score("twait:1", "A") is None  # so the entry goes at once


def test_a_lower_level_waits_for_another_processs_waiting_caller(lua: Lua) -> None:
    lua.db.zadd(lua.key("tokens"), {"busy": lua.now() + 60})  # one token of two is free
    lua.db.zadd(lua.key("twait:1"), {"B": lua.now() + 1})  # B's normal caller waits
    assert lua.token("a1", 2, member="A", limit=2)[0] == 0  # A's low one leaves it
    assert lua.token("a2", 1, member="A", limit=2)[0] == 1  # A's normal one does not


def test_a_processs_own_waiting_entry_never_blocks_it(lua: Lua) -> None:
    lua.db.zadd(lua.key("twait:0"), {"A": lua.now() + 1})  # A's high caller waits
    assert lua.token("a1", 1, member="A")[0] == 1
    assert lua.token("b1", 1, member="B")[0] == 0  # but B's caller waits for it


def test_others_take_what_high_calls_leave_of_their_lane(lua: Lua) -> None:
    assert lua.token("h1", 0, limit=2, reserve=1)[0] == 1  # the lane is in use
    assert lua.token("n1", 1, limit=2, reserve=1)[0] == 1
    assert lua.lease("h1", 0, most=2, reserve=1) == 1
    assert lua.lease("n1", 1, most=2, reserve=1) == 1


def test_a_high_token_and_lease_are_in_the_high_lane_while_held(lua: Lua) -> None:
    assert lua.token("h1", 0)[0] == 1
    now = lua.now()
    held = lua.score("htokens", "h1")
    assert held is not None and HOLD - 1 < held - now <= HOLD
    assert lua.db.pttl(lua.key("htokens")) > 60_000
    assert lua.lease("h2", 0) == 1
    leased = lua.score("hleases", "h2")
    assert leased is not None and 9 < leased - lua.now() <= 10


def test_a_finished_high_token_cools_in_the_high_lane(lua: Lua) -> None:
    assert lua.token("h1", 0)[0] == 1
    lua.run("FINISH_TOKEN", [lua.key("tokens"), lua.key("htokens")], ["h1", 3.0])
    cooling = lua.score("htokens", "h1")
    assert cooling is not None and 2 < cooling - lua.now() <= 3


def test_renewing_a_high_lease_renews_it_in_the_high_lane(lua: Lua) -> None:
    assert lua.lease("h1", 0) == 1
    lua.run("RENEW_LEASES", [lua.key("leases"), lua.key("hleases")], [30.0, "h1"])
    renewed = lua.score("hleases", "h1")
    assert renewed is not None and 29 < renewed - lua.now() <= 30


def test_a_refused_caller_looks_again_when_the_token_it_needs_cools(lua: Lua) -> None:
    # 3 tokens, 2 kept for high calls, 1 cooling for 5 s: a normal call needs it back.
    lua.db.zadd(lua.key("tokens"), {"n0": lua.now() + 5})
    granted, wait, used = lua.token("n1", 1, limit=3, reserve=2)
    assert (granted, used) == (0, 1)
    assert 4 < wait <= 5


def test_paced_low_calls_keep_to_their_schedule(lua: Lua) -> None:
    assert lua.token("l1", 2, limit=10, pace=0.5)[0] == 1
    granted, wait, _ = lua.token("l2", 2, limit=10, pace=0.5)
    assert granted == 0 and 0.4 < wait <= 0.5
    # Late by less than an interval: the next is due one interval after the last due
    # time, not after now.
    due = lua.now() - 0.2
    lua.db.set(lua.key("pace"), str(due))
    assert lua.token("l3", 2, limit=10, pace=0.5)[0] == 1
    assert abs(float(lua.db.get(lua.key("pace"))) - (due + 0.5)) < 0.01


def test_renewing_leases_says_how_many_still_existed(lua: Lua) -> None:
    assert lua.lease("l1", 1) == 1
    assert lua.lease("l2", 1) == 1
    keys = [lua.key("leases"), lua.key("hleases")]
    assert lua.run("RENEW_LEASES", keys, [30.0, "l1", "l2", "gone"]) == 2
