-- Moves the reveal one step on: only for a closed round with a frozen board, and never past the podium.
-- KEYS: meta, state, show (all of the current epoch)
-- ARGV: epoch, last step (the podium: the plan's steps + 1, worked out by Node from the boards), pace in ms ('' for
--       the organiser's step; for the live tick's paced step: taken only when that long has passed since the last
--       step by Redis's clock, so several backends' ticks take it once)
-- Returns {'OK', step} | {'EPOCH', epoch} | {'ERR', code, detail}
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
local status = redis.call('HGET', KEYS[2], 'status')
if status ~= 'closed' then return {'ERR', 'INVALID_TRANSITION', status} end
if redis.call('HEXISTS', KEYS[3], 'frozenAt') == 0 then return {'ERR', 'INVALID_TRANSITION', 'notFrozen'} end
local step = tonumber(redis.call('HGET', KEYS[3], 'revealStep') or '0')
if step >= tonumber(ARGV[2]) then return {'OK', tostring(step)} end
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if ARGV[3] and ARGV[3] ~= '' then
  local last = redis.call('HGET', KEYS[3], 'revealAt')
  if not last or nowMs < tonumber(last) + tonumber(ARGV[3]) then return {'OK', tostring(step)} end
end
step = redis.call('HINCRBY', KEYS[3], 'revealStep', 1)
redis.call('HSET', KEYS[3], 'revealAt', tostring(nowMs))
redis.call('HINCRBY', KEYS[2], 'seq', 1)
return {'OK', tostring(step)}
