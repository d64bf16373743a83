-- KEYS: waiting, seen, active, user. ARGV: tokenId.
-- Undoes a join whose Kafka write failed: the token never existed.
expire_token(ARGV[1])
redis.call('DEL', TOKEN_PREFIX .. ARGV[1])
if redis.call('GET', KEYS[4]) == ARGV[1] then redis.call('DEL', KEYS[4]) end
return 1
