-- KEYS: waiting, seen, active, admitted (the concert's admission counter), admissions (the last minute's log), opens (the
-- concert's sale opening, set by join.lua while the pre-queue is undrawn).
-- ARGV: nowMs, abandonMs, activeTtlMs, capacity, batchSize, lineMovedChannel, concertId, activeMaxLifetimeMs, then the candidate
-- token ids in join order.
-- One admission step for one concert, atomically:
--   1. ACTIVE tokens past their active-until leave the active set (their slots free up);
--   2. WAITING and PREQUEUE tokens not polled for abandonMs lose their place;
--   3. the pre-queue's drawn tokens (negative scores in the line, draw.lua) go first, in the draw's order, while there is room;
--   4. candidates are taken from the front: ended, revoked or already-admitted ones (a replay) are
--      skipped; live ones become ACTIVE while the active set is below capacity, at most batchSize. A PREQUEUE candidate (the
--      pre-queue is not drawn yet) or a drawn one whose turn has not come stops the step: nobody behind it goes first;
--   5. when anyone left the waiting line in 2, 3 or 4, the concert id goes out on lineMovedChannel: the Apis' live streams of
--      the concert read their positions again (QueueEventsHub); the ids admitted in 3 and 4 ride along ("{concert}:{id},{id}…",
--      LineMove.cs), so the streams of those people hear their turn came before the others' positions are read.
-- Returns {processed, admitted, activeCount, waitingCount, admittedIds, opensAtMs}: the first 'processed' candidates are
-- done with (the worker may commit past them); the rest wait for free slots. opensAtMs > 0 when a PREQUEUE candidate
-- stopped the step: the sale's opening, when the QueueWorker draws the pre-queue (draw.lua).
local now, abandon_ms, ttl_ms = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local capacity, batch = tonumber(ARGV[4]), tonumber(ARGV[5])
local max_lifetime_ms = tonumber(ARGV[8])
local moved = false

for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do expire_token(id) end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - abandon_ms - 1, 'LIMIT', 0, 1000)) do
  local status = redis.call('HGET', TOKEN_PREFIX .. id, 'status')
  if status == 'WAITING' or status == 'PREQUEUE' then
    expire_token(id)
    moved = true
  end
end

local free = capacity - redis.call('ZCARD', KEYS[3])
local processed, admitted = 0, 0
local admitted_ids = {}
local opens_at = 0

local function admit(id)
  -- admittedSeq numbers admissions 1, 2, 3 … per concert: the order the line actually moved in.
  -- activeCap: polls never carry the pass past it (common.lua token_core); only a live hold does (holdUntil).
  redis.call('HSET', TOKEN_PREFIX .. id, 'status', 'ACTIVE', 'admittedSeq', redis.call('INCR', KEYS[4]), 'admittedAt', now,
    'activeCap', now + max_lifetime_ms)
  redis.call('ZADD', KEYS[3], now + math.min(ttl_ms, max_lifetime_ms), id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  free = free - 1
  admitted = admitted + 1
  admitted_ids[admitted] = id
  moved = true
end

-- 3. The drawn pre-queue, in the draw's order (their joins are among the candidates, in join order, and are skipped there once
-- admitted).
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(0', 'LIMIT', 0, batch + 1000)) do
  if free <= 0 or admitted >= batch then break end
  local status = derive_status(id, now, abandon_ms)
  if status == 'WAITING' then
    admit(id)
  else
    expire_token(id)
    moved = true
  end
end

-- 4. The candidates in join order.
for i = 9, #ARGV do
  local id = ARGV[i]
  local status = derive_status(id, now, abandon_ms)
  if status == 'PREQUEUE' then
    -- An opening nobody recorded (its key lost with Redis's data) is taken as now: the pre-queue is drawn at once rather than
    -- holding the line for ever.
    opens_at = tonumber(redis.call('GET', KEYS[6]) or now)
    break
  elseif status == 'WAITING' then
    if free <= 0 or admitted >= batch then break end
    local score = redis.call('ZSCORE', KEYS[1], id)
    if score and tonumber(score) < 0 then break end -- drawn, its turn has not come (step 3 goes in the draw's order)
    admit(id)
  elseif status == 'EXPIRED' and redis.call('HGET', TOKEN_PREFIX .. id, 'status') ~= 'EXPIRED' then
    expire_token(id)
    moved = true
  end
  processed = processed + 1
end
-- The last minute of admissions, one entry per step that admitted anyone: how fast the line really moves.
if admitted > 0 then
  redis.call('ZADD', KEYS[5], now, now .. ':' .. admitted)
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - 60000)
  redis.call('PEXPIRE', KEYS[5], 120000)
end
if moved then
  redis.call('PUBLISH', ARGV[6], admitted > 0 and (ARGV[7] .. ':' .. table.concat(admitted_ids, ',')) or ARGV[7])
end
return {processed, admitted, redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[1]), admitted_ids, opens_at}
