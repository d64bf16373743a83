-- KEYS: waiting, seen, active, admissions. ARGV: tokenId, nowMs, abandonMs, activeTtlMs, retentionMs, touch (1/0).
-- Returns {status, position, activeUntilMs, admittedLastMinute, msSinceFirstOfThem}; status '' when the token is
-- unknown (its record is gone). The last two (WAITING only) give the line's observed admission rate: how many the
-- last (up to 20) admission steps admitted, and how long ago the oldest of them was.
-- With touch = 1 the call is also the heartbeat: a WAITING token's abandonment clock and an ACTIVE
-- token's inactivity TTL start again.
local id, now = ARGV[1], tonumber(ARGV[2])
local status = derive_status(id, now, tonumber(ARGV[3]))
if not status then return {'', 0, 0} end
local touch = ARGV[6] == '1'
if touch then redis.call('PEXPIRE', TOKEN_PREFIX .. id, ARGV[5]) end
if status == 'WAITING' then
  if touch then redis.call('ZADD', KEYS[2], now, id) end
  local admitted, first = 0, nil
  -- The speed of the last 20 admission steps of the last minute, measured up to now: it picks up a line that starts
  -- moving within a second or two, and a line that stalls (nobody admitted lately) reads as slow.
  for i, entry in ipairs(redis.call('ZREVRANGEBYSCORE', KEYS[4], '+inf', now - 60000, 'WITHSCORES', 'LIMIT', 0, 20)) do
    if i % 2 == 1 then
      admitted = admitted + tonumber(string.match(entry, ':(%d+)$'))
    else
      first = tonumber(entry)
    end
  end
  return {'WAITING', position_of(id), 0, admitted, first and (now - first) or 0}
elseif status == 'ACTIVE' then
  local active_until = tonumber(redis.call('ZSCORE', KEYS[3], id))
  if touch then
    active_until = now + tonumber(ARGV[4])
    redis.call('ZADD', KEYS[3], active_until, id)
  end
  return {'ACTIVE', 0, active_until}
end
expire_token(id)
return {'EXPIRED', 0, 0}
