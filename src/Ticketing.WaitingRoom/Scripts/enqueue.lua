-- KEYS: waiting, seen, active, admissions, draw. ARGV: tokenId, offset, nowMs, abandonMs, activeTtlMs, retentionMs, brokerEpoch ('' if none).
-- Puts a join into the line once Kafka has acknowledged it, scored by its offset (join order), and stamps the epoch of the
-- broker whose log holds that offset (LostJoinsRecovery requeues only tokens of another epoch). The offset and epoch are
-- recorded on every token that still exists: the QueueWorker reads the join from Kafka and may admit it before this runs,
-- and the token still keeps where it joined. A token that was already admitted, left or ended in between is not put back in
-- line. A PREQUEUE token goes into the line too (the draw gives it its real place); one whose pre-queue was drawn while its
-- join was on its way to Kafka missed the draw and queues as WAITING in join order, behind the drawn ones. Returns the token's
-- state (token_state, touched: the join is its first heartbeat), so the join's answer needs no second round trip.
local key = TOKEN_PREFIX .. ARGV[1]
local status = redis.call('HGET', key, 'status')
if status then
  redis.call('HSET', key, 'offset', ARGV[2], 'epoch', ARGV[7])
end
if status == 'PREQUEUE' and redis.call('EXISTS', KEYS[5]) == 1 then
  status = 'WAITING'
  redis.call('HSET', key, 'status', status)
end
if status == 'WAITING' or status == 'PREQUEUE' then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), ARGV[1])
end
return token_state(ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], true)
