// Open-loop (paced) ballot sender for `npm run bench:ingest -- --rate N`, in a process of its own (plain Node, no
// transpiler, so its start-up and CPU stay small). Debian's wrk 4.1 has no rate option, so this replaces it for the
// latency-at-a-given-rate figure.
//
//   node paced-ballots.mjs <ballots.tsv> <port> <path> <rate per s> <max connections>
//
// ballots.tsv: the file wrk-ballots.lua reads, one ballot per line: token \t X-Forwarded-For \t JSON body.
// Ballot i is due at start + i / rate, whatever the earlier answers do (open loop). Its latency is measured from
// that due time, not from when it left, so a generator or a server that falls behind shows in the figures instead
// of hiding it ("coordinated omission"). At most <max connections> requests are in flight; a ballot due while all
// are busy waits in the agent's queue, and that wait counts in its latency too.
// Prints one line `PACED_RESULT <json>` when every ballot is answered (or failed).
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";

const [file, portArg, urlPath, rateArg, connectionsArg] = process.argv.slice(2);
const port = Number(portArg);
const rate = Number(rateArg);
const connections = Number(connectionsArg);
if (!file || !urlPath || !(port > 0) || !(rate > 0) || !(connections > 0)) {
  console.error("usage: node paced-ballots.mjs <ballots.tsv> <port> <path> <rate per s> <max connections>");
  process.exit(2);
}

const ballots = readFileSync(file, "utf8")
  .split("\n")
  .filter((line) => line !== "")
  .map((line) => {
    const [token = "", address = "", ...body] = line.split("\t");
    const payload = Buffer.from(body.join("\t"));
    const headers = { "content-type": "application/json", "content-length": String(payload.length) };
    if (token !== "") headers["x-voter-token"] = token;
    if (address !== "") headers["x-forwarded-for"] = address;
    return { headers, payload };
  });

const agent = new Agent({ keepAlive: true, maxSockets: connections });
const latenciesMs = new Float64Array(ballots.length);
const statuses = {};
const samples = {};
const errors = {};
let answered = 0;
let sent = 0;
/** How late, at worst, the generator itself sent a ballot (its own timer and event loop, not the server). */
let maxSendLagMs = 0;
const startMs = performance.now() + 50;
const intervalMs = 1000 / rate;

function send(index) {
  const ballot = ballots[index];
  const dueMs = startMs + index * intervalMs;
  const req = request(
    { host: "127.0.0.1", port, path: urlPath, method: "POST", headers: ballot.headers, agent },
    (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => {
        const status = String(res.statusCode);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status !== "201" && samples[status] === undefined) samples[status] = Buffer.concat(chunks).toString("utf8");
        done(index, dueMs);
      });
    },
  );
  req.on("error", (error) => {
    const code = error.code ?? error.message;
    errors[code] = (errors[code] ?? 0) + 1;
    statuses.ERROR = (statuses.ERROR ?? 0) + 1;
    done(index, dueMs);
  });
  req.end(ballot.payload);
}

function done(index, dueMs) {
  latenciesMs[index] = performance.now() - dueMs;
  answered += 1;
  if (answered === ballots.length) finish();
}

// Every millisecond or so, send every ballot that is due.
function tick() {
  const now = performance.now();
  while (sent < ballots.length && startMs + sent * intervalMs <= now) {
    maxSendLagMs = Math.max(maxSendLagMs, now - (startMs + sent * intervalMs));
    send(sent);
    sent += 1;
  }
  if (sent < ballots.length) setTimeout(tick, Math.max(0, Math.min(1, startMs + sent * intervalMs - now)));
}

function finish() {
  const endMs = performance.now();
  const sorted = Array.from(latenciesMs).sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const lastDueMs = startMs + (ballots.length - 1) * intervalMs;
  const result = {
    ballots: ballots.length,
    answered,
    targetRate: rate,
    // Ballots over the time from the first due time to the last answer.
    achievedRate: ballots.length / ((endMs - startMs) / 1000),
    scheduleMs: lastDueMs - startMs,
    durationMs: endMs - startMs,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: sorted[sorted.length - 1] ?? 0,
    maxSendLagMs,
    statuses,
    samples,
    errors,
  };
  process.stdout.write(`PACED_RESULT ${JSON.stringify(result)}\n`);
  agent.destroy();
}

if (ballots.length === 0) finish();
else setTimeout(tick, Math.max(0, startMs - performance.now()));
