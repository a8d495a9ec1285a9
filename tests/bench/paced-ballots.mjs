// Open-loop (paced) ballot sender for `npm run bench:ingest -- --rate N`, in a process of its own (plain Node, no
// transpiler, so its start-up and CPU stay small). Debian's wrk 4.1 has no rate option, so this replaces it for the
// latency-at-a-given-rate figure.
//
//   node paced-ballots.mjs <ballots.tsv> <port> <path> <rate per s> <connections>
//
// ballots.tsv: the file wrk-ballots.lua reads, one ballot per line: token \t X-Forwarded-For \t JSON body.
// Ballot i is due at start + i / rate, whatever the earlier answers do (open loop). Its latency is measured from
// that due time, not from when it left, so a generator or a server that falls behind shows in the figures instead
// of hiding it ("coordinated omission"). <connections> keep-alive connections (the pairs' wrk -c) are opened before
// the first ballot and no more: a ballot due while all are busy waits for one, and that wait counts in its latency.
//
// It speaks HTTP/1.1 over plain `net` sockets with every request's bytes built before the start, like wrk: node:http's
// client costs several times the CPU per request, and on a 2-core machine that CPU would be taken from the server
// being measured (the generator must not be the bottleneck). Answers are read by Content-Length (every answer of the
// ballot route carries one; a chunked one is read to its last chunk).
// Prints one line `PACED_RESULT <json>` when every ballot is answered (or failed).
import { readFileSync } from "node:fs";
import { connect } from "node:net";

const [file, portArg, urlPath, rateArg, connectionsArg] = process.argv.slice(2);
const port = Number(portArg);
const rate = Number(rateArg);
const connections = Number(connectionsArg);
if (!file || !urlPath || !(port > 0) || !(rate > 0) || !(connections > 0)) {
  console.error("usage: node paced-ballots.mjs <ballots.tsv> <port> <path> <rate per s> <connections>");
  process.exit(2);
}

const requests = readFileSync(file, "utf8")
  .split("\n")
  .filter((line) => line !== "")
  .map((line) => {
    const [token = "", address = "", ...body] = line.split("\t");
    const payload = Buffer.from(body.join("\t"));
    let head = `POST ${urlPath} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n`;
    head += `Content-Length: ${payload.length}\r\n`;
    if (token !== "") head += `X-Voter-Token: ${token}\r\n`;
    if (address !== "") head += `X-Forwarded-For: ${address}\r\n`;
    return Buffer.concat([Buffer.from(`${head}\r\n`), payload]);
  });

const latenciesMs = new Float64Array(requests.length);
const statuses = {};
const samples = {};
const errors = {};
let answered = 0;
let sent = 0;
/** How late, at worst, the generator itself sent a ballot (its own timer and event loop, not the server). */
let maxSendLagMs = 0;
let startMs = 0;
const intervalMs = 1000 / rate;
/** Ballots due while every connection was busy, oldest first. */
const waiting = [];
let waitingHead = 0;
const idle = [];

const HEADER_END = Buffer.from("\r\n\r\n");
const LAST_CHUNK = Buffer.from("0\r\n\r\n");

/** One keep-alive connection: one request in flight at a time, its answer read by Content-Length. */
function openConnection() {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, noDelay: true });
    const conn = { socket, index: -1, buffer: Buffer.alloc(0) };
    socket.once("connect", () => resolve(conn));
    socket.once("error", (error) => {
      if (conn.index < 0) reject(error);
      else fail(conn, error.code ?? error.message);
    });
    socket.on("data", (chunk) => {
      conn.buffer = conn.buffer.length === 0 ? chunk : Buffer.concat([conn.buffer, chunk]);
      readAnswer(conn);
    });
    socket.on("close", () => {
      if (conn.index >= 0) fail(conn, "closed");
    });
  });
}

function readAnswer(conn) {
  const end = conn.buffer.indexOf(HEADER_END);
  if (end < 0) return;
  const head = conn.buffer.toString("latin1", 0, end);
  const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  let total;
  if (lengthMatch) {
    total = end + 4 + Number(lengthMatch[1]);
    if (conn.buffer.length < total) return;
  } else {
    const last = conn.buffer.indexOf(LAST_CHUNK, end + 4);
    if (last < 0) return;
    total = last + LAST_CHUNK.length;
  }
  const status = head.slice(9, 12);
  statuses[status] = (statuses[status] ?? 0) + 1;
  if (status !== "201" && samples[status] === undefined) samples[status] = conn.buffer.toString("utf8", end + 4, total);
  conn.buffer = conn.buffer.subarray(total);
  done(conn);
}

function fail(conn, code) {
  errors[code] = (errors[code] ?? 0) + 1;
  statuses.ERROR = (statuses.ERROR ?? 0) + 1;
  const index = conn.index;
  conn.index = -1;
  conn.socket.destroy();
  finishBallot(index);
  // A lost connection is replaced, so the run keeps its connection count.
  if (answered < requests.length) openConnection().then(take, () => undefined);
}

function done(conn) {
  const index = conn.index;
  conn.index = -1;
  finishBallot(index);
  take(conn);
}

function finishBallot(index) {
  latenciesMs[index] = performance.now() - (startMs + index * intervalMs);
  answered += 1;
  if (answered === requests.length) finish();
}

/** A free connection sends the oldest waiting ballot, or waits for the next one due. */
function take(conn) {
  if (waitingHead < waiting.length) send(conn, waiting[waitingHead++]);
  else idle.push(conn);
}

function send(conn, index) {
  conn.index = index;
  conn.socket.write(requests[index]);
}

// Every millisecond or so, send every ballot that is due (or queue it for the next free connection).
function tick() {
  const now = performance.now();
  while (sent < requests.length && startMs + sent * intervalMs <= now) {
    maxSendLagMs = Math.max(maxSendLagMs, now - (startMs + sent * intervalMs));
    const conn = idle.pop();
    if (conn) send(conn, sent);
    else waiting.push(sent);
    sent += 1;
  }
  if (sent < requests.length) setTimeout(tick, Math.max(0, Math.min(1, startMs + sent * intervalMs - now)));
}

function finish() {
  const endMs = performance.now();
  const sorted = Array.from(latenciesMs).sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const lastDueMs = startMs + (requests.length - 1) * intervalMs;
  const result = {
    ballots: requests.length,
    answered,
    targetRate: rate,
    // Ballots over the time from the first due time to the last answer.
    achievedRate: requests.length / ((endMs - startMs) / 1000),
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
  for (const conn of idle) conn.socket.destroy();
}

if (requests.length === 0) finish();
else {
  // Every connection open before the schedule starts, as wrk's: otherwise the first ballots pay for TCP handshakes
  // and the server's accepts in a burst, and a short run's p99 measures that start instead of the rate.
  idle.push(...(await Promise.all(Array.from({ length: connections }, openConnection))));
  startMs = performance.now() + 50;
  setTimeout(tick, 50);
}
