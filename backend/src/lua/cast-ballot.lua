-- One ballot, whole or not at all: every check that needs Redis state, then every write.
-- KEYS: meta, state, tally, voters, audit, minutes (all of one round epoch, one hash tag),
--       tickets (the round's), ticketsUsed (this epoch's)
-- ARGV: 1 epoch, 2 voterHash ('' if none), 3 ballotId, 4 idempotencyKey ('' if none),
--       5 choices (option ids joined by ','), 6 ticketHash ('' if none),
--       7 time zone the day figures are for, 8 dayStartMs, 9 dayEndMs, 10 day label, 11 previous day's label,
--       12 next day's label (daily rounds; Node works them out, see integrity/local-day.ts), 13 clockOffsetMs
--       (0 except in tests: added to Redis TIME),
--       then the audit extras (integrity view): 14 ipHash, 15 networkHash, 16 sinceLoadMs ('' if none)
-- Returns {'OK', atMs, hash} | {'PRIOR', record} | {'EPOCH', currentEpoch} | {'ZONE', timeZone} | {'ERR', code, detail?}
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
  -- The record's fifth field is the day (the sixth, the ballot's chain hash, is read by Node only).
  local priorBallotId, priorKey, priorDay = string.match(prior, '^([^|]*)|([^|]*)|[^|]*|[^|]*|?([^|]*)')
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

-- >>> Verifiable receipts (backend/src/history/, README "Replay, time travel and verifiable receipts").
-- Each counted ballot's audit entry carries `hash`, the lowercase hex SHA-256 of the canonical string
--   previousHash .. '\n' .. ballotId .. '\n' .. choices (as cast, ',' between ids) .. '\n' .. at (ms)
-- where previousHash is the epoch's chain head (64 zeros before the first ballot). The head lives in the
-- epoch state (`chainHead`), so the chain is extended inside this script, in the ballot's own atomic step.
-- Redis's Lua has no SHA-256 (only redis.sha1hex), hence this one over the bundled `bit` library: about 15 µs
-- per ballot (BENCHMARKS.md). Exclusions are not chained: they never change a counted ballot's entry.
local function sha256hex(message)
  local band, bor, bxor, bnot, ror, rshift, lshift, tobit =
    bit.band, bit.bor, bit.bxor, bit.bnot, bit.ror, bit.rshift, bit.lshift, bit.tobit
  local k = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  }
  local h = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }
  local bits = #message * 8
  message = message .. '\128' .. string.rep('\0', (55 - #message) % 64) .. '\0\0\0\0'
    .. string.char(band(rshift(bits, 24), 255), band(rshift(bits, 16), 255), band(rshift(bits, 8), 255), band(bits, 255))
  local w = {}
  for chunk = 1, #message, 64 do
    for i = 0, 15 do
      local b1, b2, b3, b4 = string.byte(message, chunk + i * 4, chunk + i * 4 + 3)
      w[i] = bor(lshift(b1, 24), lshift(b2, 16), lshift(b3, 8), b4)
    end
    for i = 16, 63 do
      local w15, w2 = w[i - 15], w[i - 2]
      w[i] = tobit(w[i - 16] + bxor(ror(w15, 7), ror(w15, 18), rshift(w15, 3)) + w[i - 7]
        + bxor(ror(w2, 17), ror(w2, 19), rshift(w2, 10)))
    end
    local a, b, c, d, e, f, g, hh = h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
    for i = 0, 63 do
      local t1 = hh + bxor(ror(e, 6), ror(e, 11), ror(e, 25)) + bxor(band(e, f), band(bnot(e), g)) + k[i + 1] + w[i]
      local t2 = bxor(ror(a, 2), ror(a, 13), ror(a, 22)) + bxor(band(a, b), band(a, c), band(b, c))
      hh, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + t2)
    end
    h[1], h[2], h[3], h[4] = tobit(h[1] + a), tobit(h[2] + b), tobit(h[3] + c), tobit(h[4] + d)
    h[5], h[6], h[7], h[8] = tobit(h[5] + e), tobit(h[6] + f), tobit(h[7] + g), tobit(h[8] + hh)
  end
  for i = 1, 8 do h[i] = bit.tohex(h[i]) end
  return table.concat(h)
end
local previousHash = redis.call('HGET', KEYS[2], 'chainHead') or string.rep('0', 64)
local hash = sha256hex(previousHash .. '\n' .. ARGV[3] .. '\n' .. ARGV[5] .. '\n' .. at)
redis.call('HSET', KEYS[2], 'chainHead', hash)
-- <<< Verifiable receipts (the XADD below gains 'hash', the voter's record a sixth field).

for _, id in ipairs(choices) do redis.call('ZINCRBY', KEYS[3], 1, id) end
redis.call('HINCRBY', KEYS[2], 'ballots', 1)
redis.call('HINCRBY', KEYS[2], 'seq', 1)
-- Integrity view: keyed hashes of the client's IP and network, the credential (`token`, or `ticket:<batch>`:
-- the ticket's batch, never its code), the page's time since load ('' when not given).
redis.call('XADD', KEYS[5], '*', 'ballot', ARGV[3], 'voter', credential, 'choices', ARGV[5], 'at', at,
  'ip', ARGV[14] or '', 'net', ARGV[15] or '', 'cred', batch and ('ticket:' .. batch) or 'token',
  'sinceLoad', ARGV[16] or '', 'hash', hash)
redis.call('HSET', KEYS[4], credential, ARGV[3] .. '|' .. ARGV[4] .. '|' .. ARGV[5] .. '|' .. at .. '|' .. day .. '|' .. hash)
-- Turnout per batch: a ticket counts once per epoch, however many days it votes on.
if batch and not prior then redis.call('HINCRBY', KEYS[8], batch, 1) end
redis.call('HINCRBY', KEYS[6], tostring(math.floor(atMs / 60000)), 1)
return {'OK', at, hash}
