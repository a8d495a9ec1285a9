-- Creates a round with its first epoch, or fails if the id is taken.
-- KEYS: meta, state (epoch 1), options (epoch 1), tally (epoch 1)
-- ARGV: roundId, nowIso, optionsJson, n, then n definition field/value pairs (2n values), then option ids
if redis.call('EXISTS', KEYS[1]) == 1 then return {'ERR', 'ROUND_EXISTS'} end
local fieldCount = tonumber(ARGV[4])
local firstOption = 5 + 2 * fieldCount
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'epoch', '1', 'createdAt', ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 5, firstOption - 1))
redis.call('HSET', KEYS[2], 'optionCount', tostring(#ARGV - firstOption + 1), 'status', 'draft', 'seq', '0',
  'ballots', '0', 'revision', '1', 'updatedAt', ARGV[2])
redis.call('SET', KEYS[3], ARGV[3])
for i = firstOption, #ARGV do redis.call('ZADD', KEYS[4], 0, ARGV[i]) end
return {'OK'}
