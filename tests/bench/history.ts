/**
 * How fast time travel, the replay feed and the ballot hash are on a large audit log (run by hand, not a test):
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/history.ts [ballots=1000000] [spanSeconds=3600]
 * Fills one round (the demo's 64 options, 1 to 3 picks) with synthetic ballots spread evenly over `spanSeconds`
 * (explicit stream ids, as if cast over that time), then times: the first `?at=` (one scan builds the
 * checkpoints), `?at=` at 50 random instants afterwards (a checkpoint plus at most HISTORY_CHECKPOINT_ENTRIES
 * entries each), the replay feed (one more scan) and its size, and the SHA-256 of cast-ballot.lua per ballot.
 * Uses a throwaway round id; delete its keys afterwards with the printed pattern.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { repoRoot } from "./bench-support.js";
import { createBenchRound, fillSyntheticBallots, startInProcessService } from "./synthetic-round.js";

const ballots = Number(process.argv[2] ?? 1_000_000);
const spanMs = Number(process.argv[3] ?? 3600) * 1000;
const url = process.env.REDIS_URL;
if (!url) throw new Error("set REDIS_URL to a Redis you can fill (it writes one round of synthetic data)");

const service = await startInProcessService(url);
const { base, headers, redis } = service;
const id = await createBenchRound(service, "bench-history");

// Synthetic ballots spread evenly over the span, with explicit stream ids (as if cast over that time).
const t0 = Date.now() - spanMs - 60_000;
const fillStart = performance.now();
await fillSyntheticBallots(redis, id, ballots, (i) => {
  const picks = 1 + (i % 3);
  const choices = [...new Set(Array.from({ length: picks }, (_, k) => String(((i * (k + 7) + k * 13) % 64) + 1)))];
  const atMs = t0 + Math.floor((i * spanMs) / ballots);
  return { choices, atMs, streamId: `${atMs}-${i}` };
});
console.log(`filled ${ballots} ballots over ${spanMs / 1000} s in ${Math.round(performance.now() - fillStart)} ms`);

async function timed(url: string): Promise<{ ms: number; bytes: number; body: unknown }> {
  const start = performance.now();
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return { ms: performance.now() - start, bytes: text.length, body: JSON.parse(text) };
}
const at = (ms: number) => `${base}/api/rounds/${id}/leaderboard?at=${new Date(ms).toISOString()}`;

const first = await timed(at(t0 + spanMs / 2));
console.log(`first ?at= (builds the checkpoints: one scan of the log): ${Math.round(first.ms)} ms`);
const times: number[] = [];
for (let i = 0; i < 50; i++) times.push((await timed(at(t0 + Math.random() * spanMs))).ms);
times.sort((a, b) => a - b);
const pct = (p: number) => Math.round((times[Math.floor((times.length - 1) * p)] ?? 0) * 10) / 10;
console.log(`?at= afterwards, 50 random instants: p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms`);
const replay = await timed(`${base}/api/rounds/${id}/replay`);
const feed = replay.body as { frames: unknown[] };
console.log(
  `replay feed: ${Math.round(replay.ms)} ms, ${feed.frames.length} frames, ${Math.round(replay.bytes / 1024)} KiB`,
);

// The step link in Lua: the function cast-ballot.lua defines, on a link's input (143 bytes: three 64-byte blocks),
// computed once per batch of ballots (README "Verifiable receipts").
const lua = readFileSync(`${repoRoot}/backend/src/lua/cast-ballot.lua`, "utf8");
// From the `bit` locals to the end of the function (`end` at the start of a line closes it).
const fnStart = lua.indexOf("local band, bor");
const fn = lua.slice(fnStart, lua.indexOf("\nend\n", lua.indexOf("local function sha256hex")) + 5);
const message = `${"0".repeat(64)}\n1764567890123\n${"f".repeat(64)}`;
const loops = 20_000;
const start = performance.now();
await redis.eval(`${fn}\nlocal h\nfor i = 1, ${loops} do h = sha256hex(ARGV[1]) end\nreturn h`, 0, message);
console.log(
  `SHA-256 in Lua (${message.length}-byte link input): ${Math.round(((performance.now() - start) * 1000) / loops)} µs per batch of ballots`,
);
console.log(`round keys: lb:{round:${id}}:*`);
await service.close();
