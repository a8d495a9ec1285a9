-- wrk script of the ingest benchmark (tests/bench/ingest.ts starts it; run one thread: wrk -t1).
--   wrk -t1 -cC -dLIMITs -s wrk-ballots.lua http://127.0.0.1:PORT -- <ballots file> <path>
-- The ballots file has one ballot a line: "<voter token>\t<X-Forwarded-For>\t<JSON body>" (empty fields are not
-- sent). Each ballot is sent exactly once, in order. Once every ballot is sent, the connections still free send
-- `GET /healthz` (200, never a ballot's status) until every ballot has its answer; then the thread stops, so
-- the 201s counted here are the ballots the server acknowledged. done() prints one `WRK_RESULT {json}` line.
-- One thread only: the counters live in thread 1's Lua state.

local requests = {}
local total = 0
local sent = 0
local answered = 0
local filler
counts = {}
samples = {}
ballots = 0

function init(args)
  local file, path = args[1], args[2]
  for line in io.lines(file) do
    local token, address, body = string.match(line, "^([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = { ["Content-Type"] = "application/json" }
    if token ~= "" then headers["X-Voter-Token"] = token end
    if address ~= "" then headers["X-Forwarded-For"] = address end
    total = total + 1
    requests[total] = wrk.format("POST", path, headers, body)
  end
  filler = wrk.format("GET", "/healthz", {}, nil)
end

-- wrk calls request() once before the run to check the request it makes (script_verify_request): that call
-- gets the filler, so that no ballot is spent on it.
local verified = false
function request()
  if not verified then
    verified = true
    return filler
  end
  if sent < total then
    sent = sent + 1
    return requests[sent]
  end
  return filler
end

function response(status, headers, body)
  if status == 200 then return end
  answered = answered + 1
  ballots = answered
  local key = tostring(status)
  counts[key] = (counts[key] or 0) + 1
  if status ~= 201 and samples[key] == nil then samples[key] = string.sub(body or "", 1, 300) end
  if answered >= total then
    -- wrk's main thread sleeps for -d whatever the threads do: ingest.ts sends SIGINT when it reads this line, which
    -- ends the run and makes wrk report (its duration then ends with the last ballot's answer, give or take a ms).
    wrk.thread:stop()
    io.write("WRK_DONE\n")
    io.flush()
  end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local function quote(text)
  return '"' .. string.gsub(text, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

local function object(tbl)
  local parts = {}
  for key, value in pairs(tbl) do
    parts[#parts + 1] = quote(key) .. ":" .. (type(value) == "number" and tostring(value) or quote(value))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local thread = threads[1]
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"durationUs":%d,"requests":%d,"ballots":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"statuses":%s,"samples":%s}\n',
    summary.duration, summary.requests, thread:get("ballots"), latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, object(thread:get("counts")),
    object(thread:get("samples"))))
end
