-- Freezes the public board: keeps the tally as it is now (and the seq it belongs to) in the show hash, by
-- Redis's clock. Once per freeze: a frozen round stays as it was frozen (unfreeze first to freeze again).
-- KEYS: meta, state, tally, show (all of the current epoch)
-- ARGV: epoch, mode ('now' for the organiser's button; 'scheduled' for the live tick, which freezes only when
--       the round's scheduled moment, `freezeBefore` seconds before closesAt, has come by Redis's clock)
-- Returns {'OK', 'frozen' | 'already' | 'notYet'} | {'EPOCH', epoch} | {'ERR', code, detail}
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
if redis.call('HEXISTS', KEYS[1], 'archived') == 1 then return {'ERR', 'ROUND_ARCHIVED'} end
if redis.call('HEXISTS', KEYS[4], 'frozenAt') == 1 then return {'OK', 'already'} end
local state = redis.call('HMGET', KEYS[2], 'status', 'closesAt')
if state[1] ~= 'open' and state[1] ~= 'paused' then return {'ERR', 'INVALID_TRANSITION', state[1]} end
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if ARGV[2] == 'scheduled' then
  local before = redis.call('HGET', KEYS[4], 'freezeBefore')
  if not before or not state[2] or state[2] == '' then return {'OK', 'notYet'} end
  if nowMs < tonumber(state[2]) - tonumber(before) * 1000 then return {'OK', 'notYet'} end
end
local tally = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
local parts = {}
for i = 1, #tally, 2 do parts[#parts + 1] = tally[i] .. ':' .. tally[i + 1] end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('HSET', KEYS[4], 'frozenAt', tostring(nowMs), 'frozenTally', table.concat(parts, ','), 'frozenSeq', tostring(seq))
redis.call('HDEL', KEYS[4], 'revealStep')
return {'OK', 'frozen'}
