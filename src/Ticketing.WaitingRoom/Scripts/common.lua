-- Shared by every waiting-room script (prepended by WaitingRoomStore). Token records are 'wr:tok:{id}'
-- hashes; the concert-level keys come in KEYS: [1] waiting, [2] seen, [3] active.
local TOKEN_PREFIX = 'wr:tok:'

-- The token's real status at 'now': a WAITING token not polled for abandonMs, or an ACTIVE token past
-- its active-until, is EXPIRED even before a sweep has written that down. nil = no such token.
local function derive_status(id, now, abandon_ms)
  local status = redis.call('HGET', TOKEN_PREFIX .. id, 'status')
  if not status then return nil end
  if status == 'WAITING' then
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

-- How many are ahead of a WAITING token: its rank in the line, or the whole line while its join is
-- still on its way into it.
local function position_of(id)
  local rank = redis.call('ZRANK', KEYS[1], id)
  if rank then return rank end
  return redis.call('ZCARD', KEYS[1])
end
