-- Moves the current epoch along its lifecycle: draft -> open <-> paused -> closed, closed -> open.
-- An archived round keeps its status.
-- KEYS: meta, state (current epoch)
-- ARGV: epoch, target status, nowIso, allowed source statuses joined by ','
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
-- Checked here, not by the caller, so that no status change can slip in beside an archive.
if redis.call('HEXISTS', KEYS[1], 'archived') == 1 then return {'ERR', 'ROUND_ARCHIVED'} end
local status = redis.call('HGET', KEYS[2], 'status')
-- Asking for the status the round already has is a no-op, so an organiser's retry is harmless.
if status == ARGV[2] then return {'OK', status} end
if not string.find(',' .. ARGV[4] .. ',', ',' .. status .. ',', 1, true) then return {'ERR', 'INVALID_TRANSITION', status} end
redis.call('HSET', KEYS[2], 'status', ARGV[2], 'updatedAt', ARGV[3])
-- A round is public from its first opening on; until then only organisers (and its screens) see it.
if ARGV[2] == 'open' then redis.call('HSET', KEYS[1], 'opened', ARGV[3]) end
redis.call('HINCRBY', KEYS[2], 'seq', 1)
return {'OK', status}
