-- One ballot, whole or not at all: every check that needs Redis state, then every write.
-- KEYS: meta, state, tally, voters, audit, minutes (all of one round epoch, one hash tag)
-- ARGV: epoch, voterHash, ballotId, idempotencyKey ('' if none), choices (option ids joined by ','),
--       then the audit extras (integrity view): ipHash, networkHash, cred, sinceLoadMs ('' if none)
-- Returns {'OK', atMs} | {'PRIOR', record} | {'EPOCH', currentEpoch} | {'ERR', code, detail?}
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
-- The caller derived the epoch keys from the epoch it knew; a reset since then means other keys.
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end

local prior = redis.call('HGET', KEYS[4], ARGV[2])
if prior then
  local priorBallotId, priorKey = string.match(prior, '^([^|]*)|([^|]*)|')
  -- Same ballot id: ioredis resent this very call after a reconnect. Same key: the client retried.
  if priorBallotId == ARGV[3] or (ARGV[4] ~= '' and priorKey == ARGV[4]) then return {'PRIOR', prior} end
  return {'ERR', 'ALREADY_VOTED'}
end

local state = redis.call('HMGET', KEYS[2], 'status', 'min', 'max', 'opensAt', 'closesAt')
if state[1] ~= 'open' then return {'ERR', 'ROUND_NOT_OPEN', state[1]} end
local time = redis.call('TIME')
local atMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if state[4] and state[4] ~= '' and atMs < tonumber(state[4]) then return {'ERR', 'ROUND_NOT_OPEN', 'notYetOpen'} end
if state[5] and state[5] ~= '' and atMs >= tonumber(state[5]) then return {'ERR', 'ROUND_NOT_OPEN', 'ended'} end

local choices = {}
for id in string.gmatch(ARGV[5], '[^,]+') do choices[#choices + 1] = id end
if #choices < tonumber(state[2]) then return {'ERR', 'TOO_FEW_CHOICES', state[2]} end
if #choices > tonumber(state[3]) then return {'ERR', 'TOO_MANY_CHOICES', state[3]} end
for _, id in ipairs(choices) do
  if not redis.call('ZSCORE', KEYS[3], id) then return {'ERR', 'UNKNOWN_OPTION', id} end
end

local at = tostring(atMs)
for _, id in ipairs(choices) do redis.call('ZINCRBY', KEYS[3], 1, id) end
redis.call('HINCRBY', KEYS[2], 'ballots', 1)
redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('XADD', KEYS[5], '*', 'ballot', ARGV[3], 'voter', ARGV[2], 'choices', ARGV[5], 'at', at,
  -- Integrity view: keyed hashes of the client's IP and network, the credential, the page's time since load.
  -- ('' when a caller passes none: scripts run by hand, older callers.)
  'ip', ARGV[6] or '', 'net', ARGV[7] or '', 'cred', ARGV[8] or '', 'sinceLoad', ARGV[9] or '')
redis.call('HSET', KEYS[4], ARGV[2], ARGV[3] .. '|' .. ARGV[4] .. '|' .. ARGV[5] .. '|' .. at)
redis.call('HINCRBY', KEYS[6], tostring(math.floor(atMs / 60000)), 1)
return {'OK', at}
