-- Shared by every waiting-room script (prepended by WaitingRoomStore). Token records are 'wr:tok:{id}'
-- hashes; the concert-level keys come in KEYS: [1] waiting, [2] seen, [3] active.
local TOKEN_PREFIX = 'wr:tok:'

-- The token's real status at 'now': a WAITING or PREQUEUE token not polled for abandonMs, or an ACTIVE token past
-- its active-until, is EXPIRED even before a sweep has written that down. nil = no such token.
local function derive_status(id, now, abandon_ms)
  local status = redis.call('HGET', TOKEN_PREFIX .. id, 'status')
  if not status then return nil end
  if status == 'WAITING' or status == 'PREQUEUE' then
    local seen = redis.call('ZSCORE', KEYS[2], id)
    if not seen or now - tonumber(seen) > abandon_ms then return 'EXPIRED' end
  elseif status == 'ACTIVE' then
    local active_until = redis.call('ZSCORE', KEYS[3], id)
    if not active_until or tonumber(active_until) <= now then return 'EXPIRED' end
  end
  return status
end

-- Ends a token for good: status EXPIRED, out of the line, the heartbeat clock and the active set.
local function expire_token(id)
  if redis.call('EXISTS', TOKEN_PREFIX .. id) == 1 then
    redis.call('HSET', TOKEN_PREFIX .. id, 'status', 'EXPIRED')
  end
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
end

-- How many are ahead of a WAITING token: its rank in the line (the pre-queue's draw has negative scores, so it comes first),
-- or the whole line while its join is still on its way into it.
local function position_of(id)
  local rank = redis.call('ZRANK', KEYS[1], id)
  if rank then return rank end
  return redis.call('ZCARD', KEYS[1])
end

-- The line's observed admission rate at 'now': how many the last (up to 20) admission steps of the last minute admitted, and how
-- many ms ago the oldest of them was (0 when none). Measured up to now, it picks up a line that starts moving within a second or
-- two, and a line that stalls (nobody admitted lately) reads as slow. Needs KEYS[4] = the concert's admissions log.
local function observed_rate(now)
  local admitted, first = 0, nil
  for i, entry in ipairs(redis.call('ZREVRANGEBYSCORE', KEYS[4], '+inf', now - 60000, 'WITHSCORES', 'LIMIT', 0, 20)) do
    if i % 2 == 1 then
      admitted = admitted + tonumber(string.match(entry, ':(%d+)$'))
    else
      first = tonumber(entry)
    end
  end
  return admitted, first and (now - first) or 0
end

-- The token's status, position and active-until (Unix ms) at 'now': status '' when the token is unknown (its record is gone).
-- With touch the call is also the heartbeat: a WAITING token's abandonment clock and an ACTIVE token's inactivity TTL start
-- again — but never past the pass's cap: admission + the active max lifetime ('activeCap', set by admit.lua), or the end of
-- the caller's live hold when later ('holdUntil', set by the Api's hold script). touch_active (default: touch) does the
-- same for an ACTIVE token alone, so a caller can refresh the passes it finds active without heartbeating everyone waiting.
-- A token found ended is written down as EXPIRED.
local function token_core(id, now, abandon_ms, ttl_ms, retention_ms, touch, touch_active)
  if touch_active == nil then touch_active = touch end
  local status = derive_status(id, now, abandon_ms)
  if not status then return '', 0, 0 end
  if touch or (touch_active and status == 'ACTIVE') then redis.call('PEXPIRE', TOKEN_PREFIX .. id, retention_ms) end
  if status == 'WAITING' then
    if touch then redis.call('ZADD', KEYS[2], now, id) end
    return 'WAITING', position_of(id), 0
  elseif status == 'PREQUEUE' then
    -- No position before the draw: everyone in the pre-queue is equal until the sale opens.
    if touch then redis.call('ZADD', KEYS[2], now, id) end
    return 'PREQUEUE', 0, 0
  elseif status == 'ACTIVE' then
    local active_until = tonumber(redis.call('ZSCORE', KEYS[3], id))
    if touch_active then
      local record = redis.call('HMGET', TOKEN_PREFIX .. id, 'activeCap', 'holdUntil')
      local cap = tonumber(record[1] or '0')
      if cap > 0 then cap = math.max(cap, tonumber(record[2] or '0')) else cap = now + ttl_ms end
      -- Never shorter than what the active set already says (a hold may have extended it), never past the cap.
      active_until = math.max(active_until, math.min(now + ttl_ms, cap))
      redis.call('ZADD', KEYS[3], active_until, id)
    end
    return 'ACTIVE', 0, active_until
  end
  expire_token(id)
  return 'EXPIRED', 0, 0
end

-- The token's state at 'now' for a caller (status.lua, enqueue.lua): {status, position, activeUntilMs, admittedLastMinute,
-- msSinceFirstOfThem}; status '' when the token is unknown. The last two (WAITING only) are observed_rate's. touch as in
-- token_core. Needs KEYS[4] = the concert's admissions log.
local function token_state(id, now, abandon_ms, ttl_ms, retention_ms, touch)
  local status, position, active_until = token_core(id, now, abandon_ms, ttl_ms, retention_ms, touch)
  if status == 'WAITING' then
    local admitted, since = observed_rate(now)
    return {status, position, active_until, admitted, since}
  end
  return {status, position, active_until}
end
