-- KEYS: waiting, seen, active, admissions. ARGV: nowMs, abandonMs, activeTtlMs, retentionMs, heartbeat (1/0), then token ids (one
-- concert's; the caller sends at most WaitingRoomStore.StatusManyChunk).
-- The states of many tokens of one concert in one call: the open live streams of GET /api/concerts/{id}/queue/events are read
-- together after the line moves, instead of one script per stream. With heartbeat = 1 the read is also every token's heartbeat
-- (token_core with touch); without, only the ACTIVE tokens found are touched (their event refreshes the pass, as a poll
-- would), and reading a WAITING one is three reads instead of three reads and two writes.
-- Returns {admittedLastMinute, msSinceFirstOfThem, then per token in ARGV's order: status, position, activeUntilMs}; the first
-- two are the concert's observed_rate, read once for all.
local now, abandon_ms, ttl_ms, retention_ms = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local heartbeat = ARGV[5] == '1'
local admitted, since = observed_rate(now)
local out = {admitted, since}
for i = 6, #ARGV do
  local status, position, active_until = token_core(ARGV[i], now, abandon_ms, ttl_ms, retention_ms, heartbeat, true)
  out[#out + 1] = status
  out[#out + 1] = position
  out[#out + 1] = active_until
end
return out
