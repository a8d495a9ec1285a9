-- Starts a new epoch with the same definition and zero votes, in draft. The old epoch is kept, closed.
-- KEYS: meta, state (old), options (old), state (new), options (new), tally (new)
-- ARGV: epoch (old), nowIso
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
local old = redis.call('HMGET', KEYS[2], 'title', 'description', 'min', 'max', 'optionCount', 'revision', 'status')
if old[7] ~= 'closed' then
  redis.call('HSET', KEYS[2], 'status', 'closed', 'updatedAt', ARGV[2])
  redis.call('HINCRBY', KEYS[2], 'seq', 1)
end
local optionsJson = redis.call('GET', KEYS[3])
redis.call('HSET', KEYS[4], 'title', old[1], 'description', old[2], 'min', old[3], 'max', old[4],
  'optionCount', old[5], 'status', 'draft', 'seq', '0', 'ballots', '0', 'revision', tostring(tonumber(old[6]) + 1),
  'updatedAt', ARGV[2])
redis.call('SET', KEYS[5], optionsJson)
for _, option in ipairs(cjson.decode(optionsJson)) do redis.call('ZADD', KEYS[6], 0, option.id) end
redis.call('HSET', KEYS[1], 'epoch', tostring(tonumber(epoch) + 1))
return {'OK', tostring(tonumber(epoch) + 1)}
