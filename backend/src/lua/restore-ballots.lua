-- Undoes an exclusion, whole or not at all: its ballots that are still out under it go back into the tally.
-- KEYS: state, tally, audit, exclusions, exclusionBallots, excluded, excludedReasons (one round epoch)
-- ARGV: exclusionId, undoneAtIso
-- Returns {'OK', recordJson} | {'DONE', recordJson} (undone before) | {'ERR', code}
local json = redis.call('HGET', KEYS[4], ARGV[1])
if not json then return {'ERR', 'NOT_FOUND'} end
local record = cjson.decode(json)
if record.undoneAt then return {'DONE', json} end

local ballotIds, n = {}, 0
for streamId in string.gmatch(redis.call('HGET', KEYS[5], ARGV[1]) or '', '%S+') do
  local entry = redis.call('XRANGE', KEYS[3], streamId, streamId)[1]
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
    if ballot and choices and redis.call('HGET', KEYS[6], ballot) == ARGV[1] then
      redis.call('HDEL', KEYS[6], ballot)
      for id in string.gmatch(choices, '[^,]+') do redis.call('ZINCRBY', KEYS[2], 1, id) end
      n = n + 1
      ballotIds[n] = ballot
    end
  end
end

local time = redis.call('TIME')
local at = tostring(tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
redis.call('HINCRBY', KEYS[1], 'excluded', -n)
redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('XADD', KEYS[3], '*', 'exclusion', ARGV[1], 'action', 'restore', 'reason', record.reason,
  'ballots', table.concat(ballotIds, ','), 'at', at)
if redis.call('HINCRBY', KEYS[7], record.reason, -n) <= 0 then redis.call('HDEL', KEYS[7], record.reason) end
record.undoneAt = ARGV[2]
json = cjson.encode(record)
redis.call('HSET', KEYS[4], ARGV[1], json)
redis.call('HDEL', KEYS[5], ARGV[1])
return {'OK', json}
