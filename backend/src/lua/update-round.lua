-- Edits the current epoch's definition. Rules and options are locked once the epoch has a ballot.
-- KEYS: meta, state, options, tally (current epoch)
-- ARGV: epoch, expectedRevision, nowIso, title, description, min, max, optionsJson ('' = unchanged),
--       locksRules ('1' when rules or options change), optionId... (when options change)
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
-- Another edit landed since the caller read the round: it must merge again.
if redis.call('HGET', KEYS[2], 'revision') ~= ARGV[2] then return {'RETRY'} end
if ARGV[9] == '1' and tonumber(redis.call('HGET', KEYS[2], 'ballots')) > 0 then return {'ERR', 'ROUND_LOCKED'} end
redis.call('HSET', KEYS[2], 'title', ARGV[4], 'description', ARGV[5], 'min', ARGV[6], 'max', ARGV[7],
  'updatedAt', ARGV[3])
if ARGV[8] ~= '' then
  redis.call('SET', KEYS[3], ARGV[8])
  redis.call('DEL', KEYS[4])
  for i = 10, #ARGV do redis.call('ZADD', KEYS[4], 0, ARGV[i]) end
  redis.call('HSET', KEYS[2], 'optionCount', tostring(#ARGV - 9))
end
redis.call('HINCRBY', KEYS[2], 'revision', 1)
redis.call('HINCRBY', KEYS[2], 'seq', 1)
return {'OK'}
