-- KEYS: waiting, seen, active, user. ARGV: tokenId.
-- Leave the line or give the active slot back (also the revocation after a payment). Idempotent.
expire_token(ARGV[1])
if redis.call('GET', KEYS[4]) == ARGV[1] then redis.call('DEL', KEYS[4]) end
return 1
