-- KEYS: waiting, seen, active. ARGV: tokenId, nowMs, abandonMs, activeTtlMs, retentionMs, touch (1/0).
-- Returns {status, position, activeUntilMs}; status '' when the token is unknown (its record is gone).
-- With touch = 1 the call is also the heartbeat: a WAITING token's abandonment clock and an ACTIVE
-- token's inactivity TTL start again.
local id, now = ARGV[1], tonumber(ARGV[2])
local status = derive_status(id, now, tonumber(ARGV[3]))
if not status then return {'', 0, 0} end
local touch = ARGV[6] == '1'
if touch then redis.call('PEXPIRE', TOKEN_PREFIX .. id, ARGV[5]) end
if status == 'WAITING' then
  if touch then redis.call('ZADD', KEYS[2], now, id) end
  return {'WAITING', position_of(id), 0}
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
