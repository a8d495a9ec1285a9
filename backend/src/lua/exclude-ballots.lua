-- Takes ballots out of the live tally as one exclusion, whole or not at all. Node found the candidates in the
-- audit log; this script re-checks each one (it is a ballot entry, and no exclusion has it out already), so
-- ballots counted meanwhile and concurrent exclusions cannot make it wrong.
-- KEYS: state, tally, audit, exclusions, exclusionBallots, excluded, excludedReasons (one round epoch)
-- ARGV: exclusionId, reason, recordJson (the Exclusion without `ballots`), then the audit stream ids of the
--       candidate ballots
-- Returns {'OK', ballotsExcluded, recordJson} | {'ERR', code}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'ERR', 'EPOCH_NOT_FOUND'} end
if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then return {'ERR', 'RETRY'} end

local ballotIds, streamIds, n = {}, {}, 0
for i = 4, #ARGV do
  local entry = redis.call('XRANGE', KEYS[3], ARGV[i], ARGV[i])[1]
  if entry then
    local fields, ballot, choices = entry[2], nil, nil
    -- A packed ballot entry (field 'e', values ballot|voter|choices|...: backend/src/leaderboard/audit-entry.ts)
    -- or one written before it (a field per value).
    if fields[1] == 'e' then
      ballot, choices = string.match(fields[2], '^([^|]*)|[^|]*|([^|]*)')
    else
      for j = 1, #fields, 2 do
        if fields[j] == 'ballot' then ballot = fields[j + 1] elseif fields[j] == 'choices' then choices = fields[j + 1] end
      end
    end
    -- HSETNX marks the ballot out under this exclusion and tells whether another one had it out already.
    if ballot and choices and redis.call('HSETNX', KEYS[6], ballot, ARGV[1]) == 1 then
      for id in string.gmatch(choices, '[^,]+') do redis.call('ZINCRBY', KEYS[2], -1, id) end
      n = n + 1
      ballotIds[n] = ballot
      streamIds[n] = ARGV[i]
    end
  end
end
-- Nothing matched: nothing was written.
if n == 0 then return {'ERR', 'NOT_FOUND'} end

local time = redis.call('TIME')
local at = tostring(tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
redis.call('HINCRBY', KEYS[1], 'excluded', n)
-- Live boards pick the change up on their next tick, like a ballot.
redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('XADD', KEYS[3], '*', 'exclusion', ARGV[1], 'action', 'exclude', 'reason', ARGV[2],
  'ballots', table.concat(ballotIds, ','), 'at', at)
local record = cjson.decode(ARGV[3])
record.ballots = n
local json = cjson.encode(record)
redis.call('HSET', KEYS[4], ARGV[1], json)
redis.call('HSET', KEYS[5], ARGV[1], table.concat(streamIds, ' '))
redis.call('HINCRBY', KEYS[7], ARGV[2], n)
return {'OK', tostring(n), json}
