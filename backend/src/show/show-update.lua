-- Sets and clears fields of an epoch's show hash (hide switch, settings, unfreeze, reveal position) and, when
-- anything changed, bumps the epoch's seq so that every backend's live tick reads the round again.
-- KEYS: meta, state, show (all of the current epoch)
-- ARGV: epoch, count of field/value pairs to set, the pairs..., then the fields to delete
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
if redis.call('HEXISTS', KEYS[1], 'archived') == 1 then return {'ERR', 'ROUND_ARCHIVED'} end
local pairs = tonumber(ARGV[2])
local changed = false
for i = 0, pairs - 1 do
  local field, value = ARGV[3 + i * 2], ARGV[4 + i * 2]
  if redis.call('HGET', KEYS[3], field) ~= value then
    redis.call('HSET', KEYS[3], field, value)
    changed = true
  end
end
for i = 3 + pairs * 2, #ARGV do
  if redis.call('HDEL', KEYS[3], ARGV[i]) == 1 then changed = true end
end
-- Asking for what is already so changes nothing and announces nothing.
if changed then redis.call('HINCRBY', KEYS[2], 'seq', 1) end
return {'OK', changed and '1' or '0'}
