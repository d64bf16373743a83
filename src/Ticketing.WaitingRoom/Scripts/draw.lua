-- KEYS: waiting, seen, active, draw (the draw's record: a hash), drawn (the draw's order: a list of user ids), opens.
-- ARGV: nowMs, abandonMs, recordRetentionMs, lineMovedChannel, concertId, then token ids of the line in a random order (the
-- QueueWorker's shuffle).
-- The pre-queue's draw at the sale's opening, once per concert: every live PREQUEUE token becomes WAITING at its drawn place,
-- ahead of everyone who joined after the opening (scores -n … -1 in the line, whose other scores are Kafka offsets ≥ 0).
-- The order is ARGV's; PREQUEUE tokens ARGV does not name (they reached the line after the caller read it) follow in join order.
-- The draw is recorded — drawnAt and count in KEYS[4], the users in drawn order in KEYS[5] — so that it can be audited
-- (GET /api/admin/concerts/{id}/draw), and kept for recordRetentionMs. The draw counts as every drawn token's heartbeat.
-- Returns {drawnNow (1/0), count}: a second call (another worker, a retry) changes nothing and returns the first draw's count.
if redis.call('EXISTS', KEYS[4]) == 1 then return {0, tonumber(redis.call('HGET', KEYS[4], 'count'))} end
local now, abandon_ms, retention_ms = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]

local drawn, named = {}, {}
local function consider(id)
  local status = derive_status(id, now, abandon_ms)
  if status == 'PREQUEUE' then
    drawn[#drawn + 1] = id
  elseif status == 'EXPIRED' then
    expire_token(id)
  end
end
for i = 6, #ARGV do
  named[ARGV[i]] = true
  consider(ARGV[i])
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], 0, '+inf')) do
  if not named[id] then consider(id) end
end

local n = #drawn
for rank, id in ipairs(drawn) do
  local key = TOKEN_PREFIX .. id
  redis.call('HSET', key, 'status', 'WAITING', 'drawRank', rank)
  redis.call('ZADD', KEYS[1], rank - n - 1, id)
  redis.call('ZADD', KEYS[2], now, id)
  redis.call('RPUSH', KEYS[5], redis.call('HGET', key, 'user'))
end
redis.call('HSET', KEYS[4], 'drawnAt', now, 'count', n, 'opensAt', redis.call('GET', KEYS[6]) or '0')
redis.call('PEXPIRE', KEYS[4], retention_ms)
if n > 0 then redis.call('PEXPIRE', KEYS[5], retention_ms) end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return {1, n}
