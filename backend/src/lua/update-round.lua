-- Edits the current epoch's definition. Pick counts and options are locked once the epoch has a ballot.
-- KEYS: meta, state, options, tally (current epoch)
-- ARGV: epoch, expectedRevision, nowIso, locked ('1' when pick counts or options change), optionsJson
--       ('' = unchanged), n, then n definition field/value pairs (2n values), then option ids (when options change)
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
if redis.call('HEXISTS', KEYS[1], 'archived') == 1 then return {'ERR', 'ROUND_ARCHIVED'} end
-- Another edit landed since the caller read the round: it must merge again.
if redis.call('HGET', KEYS[2], 'revision') ~= ARGV[2] then return {'RETRY'} end
if ARGV[4] == '1' and tonumber(redis.call('HGET', KEYS[2], 'ballots')) > 0 then return {'ERR', 'ROUND_LOCKED'} end
local fieldCount = tonumber(ARGV[6])
local firstOption = 7 + 2 * fieldCount
redis.call('HSET', KEYS[2], 'updatedAt', ARGV[3], unpack(ARGV, 7, firstOption - 1))
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[3], ARGV[5])
  redis.call('DEL', KEYS[4])
  for i = firstOption, #ARGV do redis.call('ZADD', KEYS[4], 0, ARGV[i]) end
  redis.call('HSET', KEYS[2], 'optionCount', tostring(#ARGV - firstOption + 1))
end
redis.call('HINCRBY', KEYS[2], 'revision', 1)
redis.call('HINCRBY', KEYS[2], 'seq', 1)
return {'OK'}
