-- KEYS: waiting, seen, active. ARGV: tokenId, offset.
-- Puts a join into the line once Kafka has acknowledged it, scored by its offset (join order). A token
-- that was already admitted, left or ended in between is not put back. Returns 1 if it was placed.
local key = TOKEN_PREFIX .. ARGV[1]
if redis.call('HGET', key, 'status') ~= 'WAITING' then return 0 end
redis.call('HSET', key, 'offset', ARGV[2])
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), ARGV[1])
return 1
