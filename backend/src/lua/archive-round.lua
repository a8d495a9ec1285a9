-- Archives or unarchives a round. An archived round is read-only (set-status, update-round and reset-round
-- refuse it) and left out of the public list. Only a draft or a closed round can be archived, so no ballot can
-- arrive while it is archived (ballots need an open round, and the status cannot change).
-- KEYS: meta, state (current epoch)
-- ARGV: epoch, nowIso, '1' to archive or '0' to unarchive
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
local archived = redis.call('HEXISTS', KEYS[1], 'archived') == 1
-- Asking for what the round is already is a no-op, so an organiser's retry is harmless.
if archived == (ARGV[3] == '1') then return {'OK'} end
if ARGV[3] == '1' then
  local status = redis.call('HGET', KEYS[2], 'status')
  if status ~= 'draft' and status ~= 'closed' then return {'ERR', 'INVALID_TRANSITION', status} end
  redis.call('HSET', KEYS[1], 'archived', ARGV[2])
else
  redis.call('HDEL', KEYS[1], 'archived')
end
-- A new revision: every backend's live tick sends round:updated, so consoles and pages learn of it.
redis.call('HSET', KEYS[2], 'updatedAt', ARGV[2])
redis.call('HINCRBY', KEYS[2], 'revision', 1)
redis.call('HINCRBY', KEYS[2], 'seq', 1)
return {'OK'}
