-- Undoes the last reset while its new epoch has no ballot: the previous epoch becomes current again with the
-- status it had before the reset (reset-round.lua kept it in meta), and the new, empty epoch's keys go.
-- Checking "no ballot" and moving the epoch pointer happen in this one script, so a ballot racing the undo
-- lands whole in exactly one epoch: before it (the undo is refused) or after it (the ballot script sees the
-- moved pointer and the ballot is retried in the previous epoch).
-- KEYS: meta, state (previous epoch), state (current epoch), then every other key of the current epoch
-- ARGV: epoch (current, as the caller read it), nowIso, the epoch the caller means to undo ('' = the current one)
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
-- Idempotent: this reset was undone already (a retry, or another console was quicker).
local undone = redis.call('HGET', KEYS[1], 'undoneEpoch')
if undone and tonumber(undone) == tonumber(epoch) + 1 and (ARGV[3] == '' or ARGV[3] == undone) then
  return {'OK', 'undone'}
end
if ARGV[3] ~= '' and ARGV[3] ~= epoch then return {'ERR', 'RESET_NOT_UNDOABLE', 'moved'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
if redis.call('HEXISTS', KEYS[1], 'archived') == 1 then return {'ERR', 'ROUND_ARCHIVED'} end
if redis.call('HGET', KEYS[1], 'resetEpoch') ~= epoch then return {'ERR', 'RESET_NOT_UNDOABLE', 'noReset'} end
if tonumber(redis.call('HGET', KEYS[3], 'ballots') or '0') > 0 then
  return {'ERR', 'RESET_NOT_UNDOABLE', 'ballots'}
end
local status = redis.call('HGET', KEYS[1], 'resetFromStatus')
redis.call('HSET', KEYS[2], 'status', status, 'updatedAt', ARGV[2])
-- seq moves on (never back): every backend's hub and every client's update chain stay valid.
redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('HSET', KEYS[1], 'epoch', tostring(tonumber(epoch) - 1), 'undoneEpoch', epoch)
redis.call('HDEL', KEYS[1], 'resetEpoch', 'resetFromStatus')
for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
return {'OK', status}
