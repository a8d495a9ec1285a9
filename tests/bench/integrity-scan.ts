/**
 * How long the integrity report and a network exclusion take on a large audit log (run by hand, not a test):
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/integrity-scan.ts [ballots=1000000] [scanLimit=100000]
 * Fills one round's audit stream with synthetic ballots (200 networks, one of them a stuffer with 5%), then
 * times the report (newest `scanLimit` entries), a recount, and excluding the stuffer's network by
 * pick-set-free network match. Uses a throwaway round id; delete its keys afterwards with the printed pattern.
 */
import { createHash } from "node:crypto";
import { createBenchRound, fillSyntheticBallots, startInProcessService } from "./synthetic-round.js";

const stepLink = (step: number) => createHash("sha256").update(`step ${step}`).digest("hex");

const ballots = Number(process.argv[2] ?? 1_000_000);
const scanLimit = Number(process.argv[3] ?? 100_000);
const url = process.env.REDIS_URL;
if (!url) throw new Error("set REDIS_URL to a Redis you can fill (it writes one round of synthetic data)");

const service = await startInProcessService(url, { integrityScanLimit: scanLimit });
const { base, headers, redis } = service;
const id = await createBenchRound(service, "bench-integrity");

// 200 networks; one ballot in 20 from the stuffer's, always the same single pick.
const t0 = Date.now() - ballots * 10;
await fillSyntheticBallots(redis, id, ballots, (i) => {
  const stuffer = i % 20 === 0;
  const choices = stuffer
    ? ["1"]
    : [String((i % 64) + 1), String(((i * 7) % 64) + 1)].filter((v, k, a) => a.indexOf(v) === k);
  const net = stuffer ? "5707ffe75707ffe7" : (i % 199).toString(16).padStart(16, "0");
  return {
    choices,
    atMs: t0 + i * 10,
    // Every counted ballot's entry carries its step's link (one step per 20 ballots here, as in a batch).
    extra: { ip: `i-${i % 5000}`, net, cred: "token", sinceLoad: "", link: stepLink(Math.floor(i / 20)) },
  };
});

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
await service.close();
