-- One ballot, whole or not at all: every check that needs Redis state, then every write.
-- KEYS: meta, state, tally, voters, audit, minutes (all of one round epoch, one hash tag),
--       tickets (the round's), ticketsUsed (this epoch's)
-- ARGV: 1 epoch, 2 voterHash ('' if none), 3 ballotId, 4 idempotencyKey ('' if none),
--       5 choices (option ids joined by ','), 6 ticketHash ('' if none),
--       7 time zone the day figures are for, 8 dayStartMs, 9 dayEndMs, 10 day label, 11 previous day's label,
--       12 next day's label (daily rounds; Node works them out, see integrity/local-day.ts), 13 clockOffsetMs
--       (0 except in tests: added to Redis TIME),
--       then the audit extras (integrity view): 14 ipHash, 15 networkHash, 16 sinceLoadMs ('' if none)
-- Returns {'OK', atMs} | {'PRIOR', record} | {'EPOCH', currentEpoch} | {'ZONE', timeZone} | {'ERR', code, detail?}
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
-- The caller derived the epoch keys from the epoch it knew; a reset since then means other keys.
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end

local rules = redis.call('HMGET', KEYS[2], 'electorate', 'perVoter', 'timeZone')
local time = redis.call('TIME')
local atMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[13])

-- Tickets: the ticket is the credential (no voter token needed) and is redeemed below with the count, in this
-- script, so a ticket is never marked used without its ballot nor the reverse. Open rounds ignore a ticket.
local credential, batch
if rules[1] == 'tickets' then
  if ARGV[6] == '' then return {'ERR', 'TICKET_REQUIRED'} end
  batch = redis.call('HGET', KEYS[7], ARGV[6])
  if not batch then return {'ERR', 'TICKET_INVALID'} end
  credential = 't:' .. ARGV[6]
else
  if ARGV[2] == '' then return {'ERR', 'INVALID_VOTER_TOKEN'} end
  credential = ARGV[2]
end
local refusal = batch and 'TICKET_USED' or 'ALREADY_VOTED'

-- Daily rounds: the local day by Redis's clock, from the figures Node worked out for this zone.
local daily = rules[2] == 'daily'
local day = ''
if daily then
  if rules[3] ~= ARGV[7] then return {'ZONE', rules[3] or ''} end
  if atMs < tonumber(ARGV[8]) then day = ARGV[11]
  elseif atMs >= tonumber(ARGV[9]) then day = ARGV[12]
  else day = ARGV[10] end
end

local prior = redis.call('HGET', KEYS[4], credential)
if prior then
  local priorBallotId, priorKey, priorDay = string.match(prior, '^([^|]*)|([^|]*)|[^|]*|[^|]*|?(.*)$')
  -- Same ballot id: ioredis resent this very call after a reconnect. Same key: the client retried.
  if priorBallotId == ARGV[3] or (ARGV[4] ~= '' and priorKey == ARGV[4]) then return {'PRIOR', prior} end
  -- Daily rounds keep the latest ballot of each credential: one from another day does not count against today.
  if not daily then return {'ERR', refusal} end
  if priorDay == day then return {'ERR', refusal, 'today'} end
end

local state = redis.call('HMGET', KEYS[2], 'status', 'min', 'max', 'opensAt', 'closesAt')
if state[1] ~= 'open' then return {'ERR', 'ROUND_NOT_OPEN', state[1]} end
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
-- Integrity view: keyed hashes of the client's IP and network, the credential (`token`, or `ticket:<batch>`:
-- the ticket's batch, never its code), the page's time since load ('' when not given).
redis.call('XADD', KEYS[5], '*', 'ballot', ARGV[3], 'voter', credential, 'choices', ARGV[5], 'at', at,
  'ip', ARGV[14] or '', 'net', ARGV[15] or '', 'cred', batch and ('ticket:' .. batch) or 'token',
  'sinceLoad', ARGV[16] or '')
redis.call('HSET', KEYS[4], credential, ARGV[3] .. '|' .. ARGV[4] .. '|' .. ARGV[5] .. '|' .. at .. '|' .. day)
-- Turnout per batch: a ticket counts once per epoch, however many days it votes on.
if batch and not prior then redis.call('HINCRBY', KEYS[8], batch, 1) end
redis.call('HINCRBY', KEYS[6], tostring(math.floor(atMs / 60000)), 1)
return {'OK', at}
