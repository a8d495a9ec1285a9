-- Creates a round with its first epoch, or fails if the id is taken.
-- KEYS: meta, state (epoch 1), options (epoch 1), tally (epoch 1)
-- ARGV: roundId, nowIso, title, description, min, max, optionsJson, optionId...
if redis.call('EXISTS', KEYS[1]) == 1 then return {'ERR', 'ROUND_EXISTS'} end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'epoch', '1', 'createdAt', ARGV[2])
redis.call('HSET', KEYS[2], 'title', ARGV[3], 'description', ARGV[4], 'min', ARGV[5], 'max', ARGV[6],
  'optionCount', tostring(#ARGV - 7), 'status', 'draft', 'seq', '0', 'ballots', '0', 'revision', '1',
  'updatedAt', ARGV[2])
redis.call('SET', KEYS[3], ARGV[7])
for i = 8, #ARGV do redis.call('ZADD', KEYS[4], 0, ARGV[i]) end
return {'OK'}
