/**
 * How long the integrity report and a network exclusion take on a large audit log (run by hand, not a test):
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/integrity-scan.ts [ballots=1000000] [scanLimit=100000]
 * Fills one round's audit stream with synthetic ballots (200 networks, one of them a stuffer with 5%), then
 * times the report (newest `scanLimit` entries), a recount, and excluding the stuffer's network by
 * pick-set-free network match. Uses a throwaway round id; delete its keys afterwards with the printed pattern.
 */
import { createRedisClient, createServer, defaultServerConfig, roundKeys } from "@lb/backend";

const ballots = Number(process.argv[2] ?? 1_000_000);
const scanLimit = Number(process.argv[3] ?? 100_000);
const url = process.env.REDIS_URL;
if (!url) throw new Error("set REDIS_URL to a Redis you can fill (it writes one round of synthetic data)");

const redis = createRedisClient(url);
const server = createServer({
  config: defaultServerConfig({
    adminToken: "bench-admin-token-0000",
    voterTokenSecret: "x".repeat(32),
    integrityScanLimit: scanLimit,
  }),
  redis,
});
await new Promise<void>((resolve) => server.httpServer.listen(0, "127.0.0.1", resolve));
const { port } = server.httpServer.address() as { port: number };
const base = `http://127.0.0.1:${port}`;
const headers = { authorization: "Bearer bench-admin-token-0000", "content-type": "application/json" };
const id = `bench-integrity-${Date.now()}`;
const options = Array.from({ length: 64 }, (_, i) => ({ number: i + 1, title: `Option ${i + 1}` }));
await fetch(`${base}/api/rounds`, {
  method: "POST",
  headers,
  body: JSON.stringify({ id, title: "bench", rules: { minChoices: 1, maxChoices: 3 }, options }),
});

// Synthetic ballots written straight into the epoch's keys, as cast-ballot.lua would (tally, counter, log).
const keys = roundKeys(id).epoch(1);
const t0 = Date.now() - ballots * 10;
const tally = new Map<string, number>();
for (let done = 0; done < ballots; done += 10_000) {
  const pipeline = redis.pipeline();
  for (let i = done; i < Math.min(ballots, done + 10_000); i++) {
    const stuffer = i % 20 === 0;
    const choices = stuffer
      ? ["1"]
      : [String((i % 64) + 1), String(((i * 7) % 64) + 1)].filter((v, k, a) => a.indexOf(v) === k);
    for (const choice of choices) tally.set(choice, (tally.get(choice) ?? 0) + 1);
    const net = stuffer ? "5707ffe75707ffe7" : (i % 199).toString(16).padStart(16, "0");
    pipeline.xadd(
      keys.audit,
      "*",
      "ballot",
      `b-${i}`,
      "voter",
      `v-${i}`,
      "choices",
      choices.join(","),
      "at",
      String(t0 + i * 10),
      "ip",
      `i-${i % 5000}`,
      "net",
      net,
      "cred",
      "token",
      "sinceLoad",
      "",
    );
  }
  await pipeline.exec();
}
const pipeline = redis.pipeline();
for (const [option, votes] of tally) pipeline.zadd(keys.tally, votes, option);
pipeline.hset(keys.state, "ballots", ballots, "seq", ballots);
await pipeline.exec();

async function timed(label: string, run: () => Promise<Response>): Promise<unknown> {
  const start = performance.now();
  const res = await run();
  const body = await res.json();
  console.log(`${label}: HTTP ${res.status} in ${Math.round(performance.now() - start)} ms`);
  return body;
}
const report = (await timed("integrity report", () => fetch(`${base}/api/rounds/${id}/integrity`, { headers }))) as {
  scan: unknown;
};
console.log("  scan:", JSON.stringify(report.scan));
await timed("integrity report again (cached, seq unchanged)", () =>
  fetch(`${base}/api/rounds/${id}/integrity`, { headers }),
);
await timed("exclude the stuffer's network (whole log scanned, first 10,000 matches)", () =>
  fetch(`${base}/api/rounds/${id}/exclusions`, {
    method: "POST",
    headers,
    body: JSON.stringify({ reason: "bench", network: "5707ffe75707ffe7" }),
  }),
);
const recount = (await timed("recount (two passes: there is an exclusion)", () =>
  fetch(`${base}/api/rounds/${id}/recount`, { headers }),
)) as {
  matches: boolean;
};
console.log(`  recount matches: ${recount.matches}`);
console.log(`round keys: lb:{round:${id}}:*`);
await server.close();
await redis.quit();
