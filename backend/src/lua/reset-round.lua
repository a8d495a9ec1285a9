-- Starts a new epoch with the same definition and zero votes, in draft. The old epoch is kept, closed.
-- KEYS: meta, state (old), options (old), state (new), options (new), tally (new), then every other key of the
--       new epoch (left over by an undone reset's late writers, e.g. a refusal counter): removed first
-- ARGV: epoch (old), nowIso
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
if redis.call('HEXISTS', KEYS[1], 'archived') == 1 then return {'ERR', 'ROUND_ARCHIVED'} end
-- Undo reset (undo-reset.lua): the new epoch starts from nothing, and the old status is kept to bring it back.
for i = 4, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('HSET', KEYS[1], 'resetEpoch', tostring(tonumber(epoch) + 1), 'resetFromStatus',
  redis.call('HGET', KEYS[2], 'status'))
redis.call('HDEL', KEYS[1], 'undoneEpoch')
local old = redis.call('HGETALL', KEYS[2])
local revision = 0
for i = 1, #old, 2 do
  local field = old[i]
  if field == 'revision' then revision = tonumber(old[i + 1]) end
  -- The definition carries over; the counters and the status start again.
  if field ~= 'status' and field ~= 'seq' and field ~= 'ballots' and field ~= 'excluded' and field ~= 'revision'
    and field ~= 'updatedAt' then
    redis.call('HSET', KEYS[4], field, old[i + 1])
  end
end
if redis.call('HGET', KEYS[2], 'status') ~= 'closed' then
  redis.call('HSET', KEYS[2], 'status', 'closed', 'updatedAt', ARGV[2])
  redis.call('HINCRBY', KEYS[2], 'seq', 1)
end
redis.call('HSET', KEYS[4], 'status', 'draft', 'seq', '0', 'ballots', '0', 'revision', tostring(revision + 1),
  'updatedAt', ARGV[2])
local optionsJson = redis.call('GET', KEYS[3])
redis.call('SET', KEYS[5], optionsJson)
for _, option in ipairs(cjson.decode(optionsJson)) do redis.call('ZADD', KEYS[6], 0, option.id) end
redis.call('HSET', KEYS[1], 'epoch', tostring(tonumber(epoch) + 1))
return {'OK', tostring(tonumber(epoch) + 1)}
