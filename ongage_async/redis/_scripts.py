"""The Lua scripts: every read-and-write on the shared state is one atomic step.

Times are the Redis server's own (``TIME``), so clocks on different hosts never
disagree about a window.  Keys, per account: ``<ns>:tokens`` (sorted set: call id ->
the time its token is free again), ``<ns>:leases`` (sorted set: lease id -> expiry),
``<ns>:pause`` (the time the shared pause ends).
"""

from __future__ import annotations

__all__ = [
    "ACQUIRE_LEASE",
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

# KEYS: tokens, pause. ARGV: limit, id, hold (seconds a token is held while in flight).
# Returns {granted (1/0), seconds to wait before asking again, tokens in use}.
ACQUIRE_TOKEN = (
    _NOW
    + """
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then
  return {0, tostring(paused - now), 0}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local used = redis.call('ZCARD', KEYS[1])
if used < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  return {1, '0', used + 1}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tostring(tonumber(first[2]) - now), used}
"""
)

# KEYS: tokens. ARGV: id, period.  The token cools for a period from now (the answer).
FINISH_TOKEN = (
    _NOW
    + """
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 2000) + 60000)
return 1
"""
)

# KEYS: leases. ARGV: max, id, ttl.  Expired leases (a crashed worker's) are dropped first.
ACQUIRE_LEASE = (
    _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3]) * 1000) + 60000)
  return 1
end
return 0
"""
)

# The leases key must outlive its longest lease: extend its expiry, never shorten it.
_KEEP_KEY = """
local function keep_key(seconds)
  local want = math.ceil(seconds * 1000) + 60000
  if redis.call('PTTL', KEYS[1]) < want then redis.call('PEXPIRE', KEYS[1], want) end
end
"""

# KEYS: leases. ARGV: ttl, id...  One process renews all its live leases at once; only
# leases that still exist are renewed.  Returns how many were.
RENEW_LEASES = (
    _NOW
    + _KEEP_KEY
    + """
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[i])
end
keep_key(tonumber(ARGV[1]))
return renewed
"""
)

# KEYS: leases. ARGV: id, seconds.  A cancelled call's lease is kept for ``seconds`` more
# (the server may still run the call), then expires like a dead worker's.
HOLD_LEASE = (
    _NOW
    + _KEEP_KEY
    + """
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
