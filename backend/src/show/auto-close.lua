-- Closes a round whose voting window has ended, by Redis's clock (the clock the ballot script refuses late
-- ballots by). Every backend's live tick may call it for the same round at the same moment: the first closes it,
-- the others find it closed and change nothing, so the round closes exactly once.
-- KEYS: meta, state, show (all of the current epoch)
-- ARGV: epoch, nowIso (updatedAt)
-- Returns {'OK', 'closed' | 'no'} | {'EPOCH', epoch}
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'OK', 'no'} end
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end
if redis.call('HEXISTS', KEYS[1], 'archived') == 1 then return {'OK', 'no'} end
local state = redis.call('HMGET', KEYS[2], 'status', 'closesAt')
if state[1] ~= 'open' and state[1] ~= 'paused' then return {'OK', 'no'} end
if not state[2] or state[2] == '' then return {'OK', 'no'} end
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if nowMs < tonumber(state[2]) then return {'OK', 'no'} end
redis.call('HSET', KEYS[2], 'status', 'closed', 'updatedAt', ARGV[2])
redis.call('HINCRBY', KEYS[2], 'seq', 1)
-- What the console shows: closed by the window, not by a person.
redis.call('HSET', KEYS[3], 'autoClosedAt', tostring(nowMs))
return {'OK', 'closed'}
