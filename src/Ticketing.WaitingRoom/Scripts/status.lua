-- KEYS: waiting, seen, active, admissions. ARGV: tokenId, nowMs, abandonMs, activeTtlMs, retentionMs, touch (1/0).
-- The token's state (see token_state in common.lua); with touch = 1 also its heartbeat.
return token_state(ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6] == '1')
