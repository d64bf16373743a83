-- KEYS: waiting, seen, active, user, draw, opens. ARGV: newId, newJwt, userId, concertId, nowMs, abandonMs, retentionMs, opensAtMs.
-- Returns {created (1/0), tokenId, jwt}. One live token per (user, concert): a PREQUEUE, WAITING or ACTIVE token
-- is returned again; an ended one is replaced by the new one. A new token joins the pre-queue (status PREQUEUE) while
-- nowMs is before opensAtMs (the concert's sale opening) and the concert's pre-queue has not been drawn yet (draw.lua);
-- otherwise it is WAITING.
local now, abandon_ms, opens_at = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[8])
local existing = redis.call('GET', KEYS[4])
if existing then
  local status = derive_status(existing, now, abandon_ms)
  if status == 'WAITING' or status == 'ACTIVE' or status == 'PREQUEUE' then
    return {0, existing, redis.call('HGET', TOKEN_PREFIX .. existing, 'jwt')}
  end
  expire_token(existing)
end
local status = 'WAITING'
-- What a join keeps (the token's record, the user's one place) lasts a retention past the opening, however early it came.
local keep = math.max(opens_at - now, 0) + tonumber(ARGV[7])
if redis.call('EXISTS', KEYS[5]) == 0 then
  if now < opens_at then status = 'PREQUEUE' end
  -- The QueueWorker draws when the opening comes (admit.lua reads it); each join brings the catalog's latest, so a moved
  -- opening moves the draw (once the concert has a pre-queue at all).
  if opens_at > 0 and (status == 'PREQUEUE' or redis.call('EXISTS', KEYS[6]) == 1) then
    redis.call('SET', KEYS[6], opens_at, 'PX', keep)
  end
end
local key = TOKEN_PREFIX .. ARGV[1]
redis.call('HSET', key, 'user', ARGV[3], 'concert', ARGV[4], 'status', status, 'jwt', ARGV[2], 'joinedAt', ARGV[5])
redis.call('PEXPIRE', key, keep)
redis.call('SET', KEYS[4], ARGV[1], 'PX', keep)
redis.call('ZADD', KEYS[2], now, ARGV[1])
return {1, ARGV[1], ARGV[2]}
