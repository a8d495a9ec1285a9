-- Deletes a round with every key of every epoch. Only a round that was never opened (a draft) or an archived
-- one can go: anything that voters have seen must be archived first.
-- KEYS: meta, state (current epoch), then every other key of the round (all share its hash tag)
-- ARGV: epoch (current), or '' to sweep: remove keys written after a deletion unless the id was taken again
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if ARGV[1] == '' then
  if epoch then return {'OK', '0'} end
else
  if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
  if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
  local status = redis.call('HGET', KEYS[2], 'status')
  local archived = redis.call('HEXISTS', KEYS[1], 'archived') == 1
  local neverOpened = status == 'draft' and redis.call('HEXISTS', KEYS[1], 'opened') == 0
  if not archived and not neverOpened then return {'ERR', 'INVALID_TRANSITION', status} end
end
-- UNLINK frees large hashes and streams (voters, audit) off the main thread.
local removed = 0
for i = 1, #KEYS do removed = removed + redis.call('UNLINK', KEYS[i]) end
return {'OK', tostring(removed)}
