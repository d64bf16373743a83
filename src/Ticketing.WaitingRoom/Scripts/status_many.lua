-- KEYS: waiting, seen, active, admissions. ARGV: nowMs, abandonMs, activeTtlMs, retentionMs, then token ids (one concert's; the
-- caller sends at most WaitingRoomStore.StatusManyChunk).
-- The states of many tokens of one concert in one call, each read also its heartbeat (token_core with touch): the open live
-- streams of GET /api/concerts/{id}/queue/events are read together after the line moves, instead of one script per stream.
-- Returns {admittedLastMinute, msSinceFirstOfThem, then per token in ARGV's order: status, position, activeUntilMs}; the first
-- two are the concert's observed_rate, read once for all.
local now, abandon_ms, ttl_ms, retention_ms = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local admitted, since = observed_rate(now)
local out = {admitted, since}
for i = 5, #ARGV do
  local status, position, active_until = token_core(ARGV[i], now, abandon_ms, ttl_ms, retention_ms, true)
  out[#out + 1] = status
  out[#out + 1] = position
  out[#out + 1] = active_until
end
return out
