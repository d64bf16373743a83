-- KEYS: waiting, seen, active, user[, guard]. ARGV: tokenId, slotsFreedChannel, lineMovedChannel, concertId[, nowMs].
-- Leave the line or give the active slot back (also the revocation after a payment). Idempotent. With a guard (a sorted set
-- scored by expiry, e.g. the user's live holds of the concert) the token is left alone while the guard has a member that has
-- not run out at nowMs: returns 0 then, 1 otherwise. When an ACTIVE token's slot is freed, the concert id goes out on the
-- slots-freed channel, so the QueueWorker admits the next in line at once instead of at its next tick; when a WAITING token
-- leaves the line, it goes out on the line-moved channel, so the live streams of those behind it say so (QueueEventsHub).
if KEYS[5] and redis.call('ZCOUNT', KEYS[5], '(' .. ARGV[5], '+inf') > 0 then return 0 end
local was_active = redis.call('ZSCORE', KEYS[3], ARGV[1])
local was_waiting = redis.call('ZSCORE', KEYS[1], ARGV[1])
expire_token(ARGV[1])
if redis.call('GET', KEYS[4]) == ARGV[1] then redis.call('DEL', KEYS[4]) end
if was_active then redis.call('PUBLISH', ARGV[2], ARGV[4]) end
if was_waiting then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return 1
