-- A batch of ballots for one round epoch, each whole or not at all: the checks that need Redis state, then the
-- writes, per ballot in order, exactly as if each ballot were a script run of its own (a later ballot of the
-- batch sees the earlier ones: same voter, same idempotency key). Only what all ballots share is done once per
-- batch: reading the round, the clock, and the summed writes at the end (tally increments per option, the
-- ballot and minute counters, the chain's step, and one bump of the change counter `seq`). The audit entries and
-- voter records of the counted ballots are written at the end too, once the step's link is known; until then the
-- batch's own records stand in for them (`pending`), so a later ballot of the batch still sees an earlier one.
-- KEYS: meta, state, tally, voters, audit, minutes (all of one round epoch, one hash tag),
--       tickets (the round's), ticketsUsed (this epoch's)
-- ARGV: 1 epoch, 2 time zone the day figures are for, 3 dayStartMs, 4 dayEndMs, 5 day label, 6 previous day's
--       label, 7 next day's label (daily rounds; Node works them out, see integrity/local-day.ts),
--       8 clockOffsetMs (0 except in tests: added to Redis TIME),
--       9 the step digest if every ballot of the batch counts (Node's guess: SHA-256 hex of their step lines),
--       then one field per ballot, its parts joined by '|' (none can hold one: Node checked them against the
--       shared schema's patterns or made them, see ballots.service.ts `packBallot`): voterHash ('' if none),
--       ballotId, idempotencyKey ('' if none), choices (option ids joined by ','), ticketHash ('' if none), and the
--       audit extras (integrity view): ipHash, networkHash, sinceLoadMs ('' if none)
-- Returns, for the whole batch: {'EPOCH', currentEpoch} | {'ZONE', timeZone} | {'ERR', 'ROUND_NOT_FOUND'};
-- otherwise one reply per ballot, in order: {'OK', atMs, link} | {'PRIOR', record} | {'ERR', code, detail?}
-- (Node works the ballot's receipt hash out from the step's link: common/src/history.ts).
local FIRST_BALLOT = 10
local BALLOT_PARTS = '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$'

local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return {'ERR', 'ROUND_NOT_FOUND'} end
-- The caller derived the epoch keys from the epoch it knew; a reset since then means other keys.
if epoch ~= ARGV[1] then return {'EPOCH', epoch} end

local round = redis.call('HMGET', KEYS[2], 'electorate', 'perVoter', 'timeZone', 'status', 'min', 'max', 'opensAt',
  'closesAt', 'chainHead')
local time = redis.call('TIME')
local atMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[8])
local at = tostring(atMs)
local tickets = round[1] == 'tickets'

-- Daily rounds: the local day by Redis's clock, from the figures Node worked out for this zone.
local daily = round[2] == 'daily'
local day = ''
if daily then
  if round[3] ~= ARGV[2] then return {'ZONE', round[3] or ''} end
  if atMs < tonumber(ARGV[3]) then day = ARGV[6]
  elseif atMs >= tonumber(ARGV[4]) then day = ARGV[7]
  else day = ARGV[5] end
end

-- Whether the round takes ballots now: the same for the whole batch (one clock reading), checked per ballot
-- where a single ballot's script checked it (after dedup: a replay on a closed round still gets its receipt).
local notOpen
if round[4] ~= 'open' then notOpen = {'ERR', 'ROUND_NOT_OPEN', round[4]}
elseif round[7] and round[7] ~= '' and atMs < tonumber(round[7]) then notOpen = {'ERR', 'ROUND_NOT_OPEN', 'notYetOpen'}
elseif round[8] and round[8] ~= '' and atMs >= tonumber(round[8]) then notOpen = {'ERR', 'ROUND_NOT_OPEN', 'ended'}
end
local minChoices, maxChoices = tonumber(round[5]), tonumber(round[6])

-- >>> Verifiable receipts (backend/src/history/, README "Replay, time travel and verifiable receipts").
-- The batch's counted ballots are one step of the epoch's hash chain (common/src/history.ts has the definition):
--   link = SHA-256(previousLink .. '\n' .. at .. '\n' .. digest), digest = SHA-256 of the counted ballots'
--   lines (ballotId .. '\n' .. choices .. '\n') in order,
-- the previous link being the epoch's chain head (64 zeros before the first ballot), kept in the epoch state
-- (`chainHead`). Node sends the digest for the case where every ballot of the batch counts (the usual one); when
-- some do not, the script takes the digest of those that do itself. So the SHA-256 below runs once per batch
-- (three 64-byte blocks), not once per ballot: Redis's Lua has no SHA-256 (only redis.sha1hex), and this one over
-- the bundled `bit` library costs tens of µs per block (BENCHMARKS.md, "SHA-256 in Lua"). Exclusions are not
-- chained: they never change a counted ballot's entry.
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
local function sha256hex(message)
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

local head = round[9] or string.rep('0', 64)
-- <<< Verifiable receipts (the audit entries gain 'link', the voters' records a seventh field).

-- What the batch's counted ballots add, written once at the end (in first-seen order: the script stays
-- deterministic).
local counted = 0
local votes, voted = {}, {}
local turnout, batches = {}, {}
-- Options known to exist (one ZSCORE per option per batch, not per pick).
local known = {}
-- The batch's counted ballots, in order: their step lines, audit entries and voter records, written at the end.
local lines, entries, records = {}, {}, {}
-- credential -> its record as written at the end (without the link), for a later ballot of the same batch.
local pending = {}
-- PRIOR replies that name a ballot of this batch: their record gets the link at the end.
local pendingReplies = {}

local function cast(field)
  local voter, ballotId, key, choiceList, ticket, ipHash, networkHash, sinceLoad = string.match(field, BALLOT_PARTS)
  if not voter then return {'ERR', 'INVALID_BODY', 'malformed ballot field'} end
  -- Tickets: the ticket is the credential (no voter token needed) and is redeemed below with the count, in this
  -- ballot's step, so a ticket is never marked used without its ballot nor the reverse. Open rounds ignore it.
  local credential, batch
  if tickets then
    if ticket == '' then return {'ERR', 'TICKET_REQUIRED'} end
    batch = redis.call('HGET', KEYS[7], ticket)
    if not batch then return {'ERR', 'TICKET_INVALID'} end
    credential = 't:' .. ticket
  else
    if voter == '' then return {'ERR', 'INVALID_VOTER_TOKEN'} end
    credential = voter
  end
  local refusal = batch and 'TICKET_USED' or 'ALREADY_VOTED'

  local fromBatch = pending[credential]
  local prior = fromBatch or redis.call('HGET', KEYS[4], credential)
  if prior then
    -- The record's fifth field is the day (the sixth and seventh, the chain's, are read by Node only).
    local priorBallotId, priorKey, priorDay = string.match(prior, '^([^|]*)|([^|]*)|[^|]*|[^|]*|?([^|]*)')
    -- Same ballot id: ioredis resent this very call after a reconnect. Same key: the client retried.
    if priorBallotId == ballotId or (key ~= '' and priorKey == key) then
      local reply = {'PRIOR', prior}
      if fromBatch then pendingReplies[#pendingReplies + 1] = reply end
      return reply
    end
    -- Daily rounds keep the latest ballot of each credential: one from another day does not count against today.
    if not daily then return {'ERR', refusal} end
    if priorDay == day then return {'ERR', refusal, 'today'} end
  end

  if notOpen then return notOpen end

  local choices = {}
  for id in string.gmatch(choiceList, '[^,]+') do choices[#choices + 1] = id end
  if #choices < minChoices then return {'ERR', 'TOO_FEW_CHOICES', round[5]} end
  if #choices > maxChoices then return {'ERR', 'TOO_MANY_CHOICES', round[6]} end
  for _, id in ipairs(choices) do
    if not known[id] then
      if not redis.call('ZSCORE', KEYS[3], id) then return {'ERR', 'UNKNOWN_OPTION', id} end
      known[id] = true
    end
  end

  -- Every check passed: the ballot counts.
  lines[#lines + 1] = ballotId .. '\n' .. choiceList .. '\n'
  for _, id in ipairs(choices) do
    local n = votes[id]
    if n then votes[id] = n + 1 else votes[id] = 1; voted[#voted + 1] = id end
  end
  counted = counted + 1
  -- Integrity view: keyed hashes of the client's IP and network, the credential (`token`, or `ticket:<batch>`:
  -- the ticket's batch, never its code), the page's time since load ('' when not given).
  -- One packed field: ballot|voter|choices|at|ip|net|cred|sinceLoad|link (backend/src/leaderboard/audit-entry.ts),
  -- the step's link added at the end.
  entries[counted] = table.concat({ballotId, credential, choiceList, at, ipHash, networkHash,
    batch and ('ticket:' .. batch) or 'token', sinceLoad, ''}, '|')
  -- The record's sixth field held the ballot's own hash before steps; now the seventh holds the step's link.
  local record = ballotId .. '|' .. key .. '|' .. choiceList .. '|' .. at .. '|' .. day .. '||'
  records[counted] = credential
  pending[credential] = record
  -- Turnout per batch: a ticket counts once per epoch, however many days it votes on.
  if batch and not prior then
    local n = turnout[batch]
    if n then turnout[batch] = n + 1 else turnout[batch] = 1; batches[#batches + 1] = batch end
  end
  return {'OK', at}
end

local replies = {}
for i = FIRST_BALLOT, #ARGV do replies[#replies + 1] = cast(ARGV[i]) end

if counted > 0 then
  local digest = ARGV[9]
  if counted < #replies then digest = sha256hex(table.concat(lines)) end
  local link = sha256hex(head .. '\n' .. at .. '\n' .. digest)
  redis.call('HSET', KEYS[2], 'chainHead', link)
  for i = 1, counted do
    redis.call('XADD', KEYS[5], '*', 'e', entries[i] .. link)
    local credential = records[i]
    redis.call('HSET', KEYS[4], credential, pending[credential] .. link)
  end
  for _, reply in ipairs(replies) do
    if reply[1] == 'OK' then reply[3] = link end
  end
  for _, reply in ipairs(pendingReplies) do reply[2] = reply[2] .. link end
  for _, id in ipairs(voted) do redis.call('ZINCRBY', KEYS[3], votes[id], id) end
  redis.call('HINCRBY', KEYS[2], 'ballots', counted)
  -- One change per batch: the live tick reads what changed since the seq it last saw, however many ballots.
  redis.call('HINCRBY', KEYS[2], 'seq', 1)
  for _, batch in ipairs(batches) do redis.call('HINCRBY', KEYS[8], batch, turnout[batch]) end
  redis.call('HINCRBY', KEYS[6], tostring(math.floor(atMs / 60000)), counted)
end
return replies
