-- Moves the reveal one step on: only for a closed round with a frozen board, and never past the podium.
-- KEYS: meta, state, show (all of the current epoch)
-- ARGV: epoch, last step (the podium: the plan's steps + 1, worked out by Node from the boards)
-- Returns {'OK', step} | {'EPOCH', epoch} | {'ERR', code, detail}
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
local status = redis.call('HGET', KEYS[2], 'status')
if status ~= 'closed' then return {'ERR', 'INVALID_TRANSITION', status} end
if redis.call('HEXISTS', KEYS[3], 'frozenAt') == 0 then return {'ERR', 'INVALID_TRANSITION', 'notFrozen'} end
local step = tonumber(redis.call('HGET', KEYS[3], 'revealStep') or '0')
if step >= tonumber(ARGV[2]) then return {'OK', tostring(step)} end
step = redis.call('HINCRBY', KEYS[3], 'revealStep', 1)
redis.call('HINCRBY', KEYS[2], 'seq', 1)
return {'OK', tostring(step)}
