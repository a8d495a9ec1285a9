/**
 * By hand: `npx tsx bench/observability-cost.ts` (in tests/, after building the backend). The CPU the
 * observability hooks add to a ballot (backend/src/observability): the request id, the ballot's count and
 * latency, and the timing of each Redis command. Measured in a tight loop, so a loaded machine moves it little;
 * compare with the backend's CPU per ballot that `npm run bench:ingest` reports (backendUsPerBallot).
 */
import { performance } from "node:perf_hooks";
import { requestIdFor } from "../../backend/dist/observability/http.js";
import { Metrics } from "../../backend/dist/observability/metrics.js";
import { instrumentRedis } from "../../backend/dist/observability/redis-metrics.js";

const OPS = 500_000;

function microseconds(fn: () => unknown): number {
  for (let i = 0; i < 10_000; i++) fn();
  const started = performance.now();
  for (let i = 0; i < OPS; i++) fn();
  return ((performance.now() - started) * 1000) / OPS;
}

async function perCommand(client: { sendCommand(command: unknown): Promise<unknown> }): Promise<number> {
  const reply = Promise.resolve("OK");
  const started = performance.now();
  for (let i = 0; i < OPS; i++) await client.sendCommand({ name: "evalsha", promise: reply });
  return ((performance.now() - started) * 1000) / OPS;
}

const metrics = new Metrics({ processMetrics: false });
const plain = { sendCommand: (command: { promise: Promise<unknown> }) => command.promise, on() {}, off() {} };
const timed = { ...plain };
instrumentRedis(timed, metrics);
const rows: [string, number][] = [
  ["request id (generated)", microseconds(() => requestIdFor(undefined))],
  ["ballot accepted: counter + histogram", microseconds(() => metrics.ballotAnswered(201, undefined, 0.003))],
  [
    "ballot refused: labelled counter + histogram",
    microseconds(() => metrics.ballotAnswered(409, "ALREADY_VOTED", 0.003)),
  ],
  ["Redis command timed (added)", (await perCommand(timed)) - (await perCommand(plain))],
];
for (const [what, us] of rows) console.log(`${what.padEnd(48)} ${us.toFixed(2)} µs`);
