"""The Lua scripts: every read-and-write on the shared state is one atomic step.

Times are the Redis server's own (``TIME``), so clocks on different hosts never
disagree about a window.  Keys, per account: ``<ns>:tokens`` (sorted set: call id ->
the time its token is free again), ``<ns>:leases`` (sorted set: lease id -> expiry),
``<ns>:pause`` (the time the shared pause ends).

Priority levels (rank 0 "high", 1 "normal", 2 "low") add, per account:

* ``<ns>:htokens`` and ``<ns>:hleases``: the tokens and leases high calls hold, a copy of
  their entries in ``tokens`` and ``leases``: the reserve is the high calls' lane, and
  the other levels leave free as much of it as high calls are not using;
* ``<ns>:twait:<rank>`` and ``<ns>:lwait:<rank>`` (ranks 0 and 1): the processes whose
  first caller of that level waits for a token (a lease), member -> expiry.  A lower
  level takes nothing while a live entry of a higher level is there from another
  process, so the levels are served in order across processes.  An entry is refreshed
  at each look (at least every quarter of a second) and expires a second later, so a
  killed process blocks no one for long;
* ``<ns>:pace``: when the next paced low call may take a token (``pace_low``).
"""

from __future__ import annotations

__all__ = [
    "ACQUIRE_LEASE",
    "FORGET",
    "UNREGISTER",
    "ACQUIRE_TOKEN",
    "FINISH_TOKEN",
    "HOLD_LEASE",
    "PAUSE",
    "RENEW_LEASES",
    "STATE",
]

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# The levels' registry (see the module): ``register()`` notes this process's waiting
# caller of ``rank``; ``blocked()`` says whether another process's caller of a higher
# level waits.  WAIT_KEYS is the index in KEYS of the rank-0 registry (rank 1 follows).
_LEVELS = """
local rank = tonumber(ARGV[4])
local member = ARGV[6]
local function register()
  if rank < 2 then
    local key = KEYS[WAIT_KEYS + rank]
    redis.call('ZADD', key, now + 1, member)
    redis.call('PEXPIRE', key, 3000)
  end
end
local function granted()
  if rank < 2 then
    if ARGV[7] == '1' then register() else redis.call('ZREM', KEYS[WAIT_KEYS + rank], member) end
  end
end
local function blocked()
  for r = 0, rank - 1 do
    local key = KEYS[WAIT_KEYS + r]
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    local others = redis.call('ZCARD', key)
    if redis.call('ZSCORE', key, member) then others = others - 1 end
    if others > 0 then return true end
  end
  return false
end
"""

# KEYS: tokens, pause, htokens, twait:0, twait:1, pace.
# ARGV: limit, id, hold (seconds a token is held while in flight), rank, reserve, member,
# more of this level wait here (1/0), pace (seconds between low calls, 0: none).
# Returns {granted (1/0), seconds to wait before asking again, tokens in use}.
ACQUIRE_TOKEN = (
    _NOW
    + "local WAIT_KEYS = 4\n"
    + _LEVELS
    + """
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then
  register()
  return {0, tostring(paused - now), 0}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local used = redis.call('ZCARD', KEYS[1])
local free = tonumber(ARGV[1]) - used
local kept = 0
if rank > 0 then kept = math.max(0, tonumber(ARGV[5]) - redis.call('ZCARD', KEYS[3])) end
if free > kept and not blocked() then
  local pace = tonumber(ARGV[8])
  if rank == 2 and pace > 0 then
    local next_at = tonumber(redis.call('GET', KEYS[6]) or '0')
    if now < next_at then return {0, tostring(next_at - now), used} end
    -- Late by less than an interval (a look's own delay): keep to the schedule.
    local base = now
    if now - next_at < pace then base = next_at end
    redis.call('SET', KEYS[6], tostring(base + pace), 'PX', math.ceil(pace * 1000) + 1000)
  end
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  if rank == 0 then
    redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[2])
    redis.call('PEXPIRE', KEYS[3], math.ceil(tonumber(ARGV[3]) * 1000) + 60000)
  end
  granted()
  return {1, '0', used + 1}
end
register()
-- Look again when the token this level needs cools (in-flight ones are far off: the
-- caller looks again within a quarter of a second anyway).
local index = math.max(0, kept - free)
local next_ = redis.call('ZRANGE', KEYS[1], index, index, 'WITHSCORES')
local wait = '0.25'
if next_[2] then wait = tostring(tonumber(next_[2]) - now) end
return {0, wait, used}
"""
)

# KEYS: tokens, htokens. ARGV: id, period.  The token cools for a period from now (the
# answer); a high call's stays in the high lane while it cools.
FINISH_TOKEN = (
    _NOW
    + """
local keep = math.ceil(tonumber(ARGV[2]) * 2000) + 60000
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], keep)
if redis.call('ZADD', KEYS[2], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[2], keep)
end
return 1
"""
)

# KEYS: leases, hleases, lwait:0, lwait:1.  ARGV: max, id, ttl, rank, reserve, member,
# more of this level wait here (1/0).  Expired leases (a crashed worker's) go first.
ACQUIRE_LEASE = (
    _NOW
    + "local WAIT_KEYS = 3\n"
    + _LEVELS
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local kept = 0
if rank > 0 then kept = math.max(0, tonumber(ARGV[5]) - redis.call('ZCARD', KEYS[2])) end
if tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1]) > kept and not blocked() then
  local ttl = math.ceil(tonumber(ARGV[3]) * 1000) + 60000
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ttl)
  if rank == 0 then
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
  granted()
  return 1
end
register()
return 0
"""
)

# KEYS: leases, hleases (or tokens, htokens). ARGV: id.  The slot (a token taken by a
# caller cancelled before it sent anything) is free again, and out of the high lane.
FORGET = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""

# KEYS: the registry of one level (twait:<rank> or lwait:<rank>). ARGV: member.  The last
# waiting caller of this level in this process gave up: nobody of it waits here now.
UNREGISTER = """
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
"""

# The leases key must outlive its longest lease: extend its expiry, never shorten it.
_KEEP_KEY = """
local function keep_key(seconds, key)
  key = key or KEYS[1]
  local want = math.ceil(seconds * 1000) + 60000
  if redis.call('PTTL', key) < want then redis.call('PEXPIRE', key, want) end
end
"""

# KEYS: leases, hleases. ARGV: ttl, id...  One process renews all its live leases at
# once; only leases that still exist are renewed (a high call's in its lane too).
# Returns how many were.
RENEW_LEASES = (
    _NOW
    + _KEEP_KEY
    + """
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[i])
  redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[1]), ARGV[i])
end
keep_key(tonumber(ARGV[1]))
if redis.call('EXISTS', KEYS[2]) == 1 then keep_key(tonumber(ARGV[1]), KEYS[2]) end
return renewed
"""
)

# KEYS: leases, hleases. ARGV: id, seconds.  A cancelled call's lease is kept for
# ``seconds`` more (the server may still run the call), then expires like a dead worker's;
# it is no longer a high call's (it leaves the lane, as in one process).
HOLD_LEASE = (
    _NOW
    + _KEEP_KEY
    + """
redis.call('ZREM', KEYS[2], ARGV[1])
local kept = redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1])
keep_key(math.max(0, tonumber(ARGV[2])))
return kept
"""
)

# KEYS: pause. ARGV: seconds.  The pause only ever grows.
PAUSE = (
    _NOW
    + """
local until_ = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > current then
  redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return 1
"""
)

# KEYS: tokens, leases, pause. Returns {tokens in use, leases held, pause left, next free}.
STATE = (
    _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local nextfree = '-1'
if first[2] then nextfree = tostring(tonumber(first[2]) - now) end
return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2]),
        tostring(math.max(0, paused - now)), nextfree}
"""
)
