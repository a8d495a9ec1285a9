-- Creates or changes an event in one step and bumps its version (what the live hub watches).
-- KEYS: meta
-- ARGV: mode ('create' | 'update'), nowIso, expected version ('' = any), then field/value pairs
-- A change made against another version than the one its caller read answers RETRY (the caller reads again).
local exists = redis.call('EXISTS', KEYS[1]) == 1
if ARGV[1] == 'create' then
  if exists then return {'ERR', 'EVENT_EXISTS'} end
  redis.call('HSET', KEYS[1], 'createdAt', ARGV[2], 'current', '', 'version', '0')
else
  if not exists then return {'ERR', 'EVENT_NOT_FOUND'} end
  if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'version') ~= ARGV[3] then return {'RETRY'} end
end
if #ARGV > 3 then redis.call('HSET', KEYS[1], unpack(ARGV, 4)) end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])
return {'OK', tostring(redis.call('HINCRBY', KEYS[1], 'version', 1))}
