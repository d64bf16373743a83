-- KEYS: waiting, seen, active, user. ARGV: tokenId, slotsFreedChannel, concertId.
-- Leave the line or give the active slot back (also the revocation after a payment). Idempotent. When an ACTIVE token's slot
-- is freed, the concert id goes out on the slots-freed channel, so the QueueWorker admits the next in line at once instead of
-- at its next tick.
local was_active = redis.call('ZSCORE', KEYS[3], ARGV[1])
expire_token(ARGV[1])
if redis.call('GET', KEYS[4]) == ARGV[1] then redis.call('DEL', KEYS[4]) end
if was_active then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1
