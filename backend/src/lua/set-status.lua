-- Moves the current epoch along its lifecycle: draft -> open <-> paused -> closed, closed -> open.
-- KEYS: meta, state (current epoch)
-- ARGV: epoch, target status, nowIso, allowed source statuses joined by ','
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
local status = redis.call('HGET', KEYS[2], 'status')
-- Asking for the status the round already has is a no-op, so an organiser's retry is harmless.
if status == ARGV[2] then return {'OK', status} end
if not string.find(',' .. ARGV[4] .. ',', ',' .. status .. ',', 1, true) then return {'ERR', 'INVALID_TRANSITION', status} end
redis.call('HSET', KEYS[2], 'status', ARGV[2], 'updatedAt', ARGV[3])
redis.call('HINCRBY', KEYS[2], 'seq', 1)
return {'OK', status}
