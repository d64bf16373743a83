-- KEYS: waiting, seen, active, user. ARGV: newId, newJwt, userId, concertId, nowMs, abandonMs, retentionMs.
-- Returns {created (1/0), tokenId, jwt}. One live token per (user, concert): a WAITING or ACTIVE token
-- is returned again; an ended one is replaced by the new one.
local now, abandon_ms = tonumber(ARGV[5]), tonumber(ARGV[6])
local existing = redis.call('GET', KEYS[4])
if existing then
  local status = derive_status(existing, now, abandon_ms)
  if status == 'WAITING' or status == 'ACTIVE' then
    return {0, existing, redis.call('HGET', TOKEN_PREFIX .. existing, 'jwt')}
  end
  expire_token(existing)
end
local key = TOKEN_PREFIX .. ARGV[1]
redis.call('HSET', key, 'user', ARGV[3], 'concert', ARGV[4], 'status', 'WAITING', 'jwt', ARGV[2], 'joinedAt', ARGV[5])
redis.call('PEXPIRE', key, ARGV[7])
redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[7])
redis.call('ZADD', KEYS[2], now, ARGV[1])
return {1, ARGV[1], ARGV[2]}
