-- Adds a batch of tickets to a round, all or none.
-- KEYS: meta, tickets, ticketBatches (the round's)
-- ARGV: batch, maxPerRound, maxBatches, then one ticket hash per ticket
-- Returns {'OK', issuedInBatch} | {'RETRY'} (a hash is taken: new codes, please) | {'ERR', code, detail}
if not redis.call('HGET', KEYS[1], 'epoch') then return {'ERR', 'ROUND_NOT_FOUND'} end
local count = #ARGV - 3
local batches = redis.call('HGETALL', KEYS[3])
local total, known = 0, false
for i = 1, #batches, 2 do
  total = total + tonumber(batches[i + 1])
  if batches[i] == ARGV[1] then known = true end
end
if not known and #batches / 2 >= tonumber(ARGV[3]) then return {'ERR', 'INVALID_BODY', 'batches'} end
if total + count > tonumber(ARGV[2]) then return {'ERR', 'INVALID_BODY', 'tickets'} end
-- A 128-bit hash collision means a repeated code (60 bits: vanishingly rare); checked before any write.
for i = 4, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then return {'RETRY'} end
end
for i = 4, #ARGV do redis.call('HSET', KEYS[2], ARGV[i], ARGV[1]) end
return {'OK', tostring(redis.call('HINCRBY', KEYS[3], ARGV[1], count))}
