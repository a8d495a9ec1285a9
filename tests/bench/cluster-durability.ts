/**
 * Cluster durability benchmark: ballots per second of the real backend on a Redis Cluster (3 masters, 3 replicas
 * started from redis-server, as the tests do) with BALLOT_DURABILITY=local and =replicated, in the same run:
 * two backends on one cluster, one per setting, driven in turn by wrk with the same ballots.
 *
 *   npm run bench:cluster-durability -- [--voters 5000] [--concurrency 64] [--pairs 2] [--time-limit 300]
 *
 * A benchmark, not a test: it prints figures. Bounded in count (--voters) and time (--time-limit), traffic only to
 * 127.0.0.1, every process it started is stopped at the end, on error and on Ctrl-C. BENCHMARKS.md records results.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { parseArgs } from "node:util";
import type { RoundView } from "@lb/common";
import { startRedisCluster } from "../support/redis-cluster.js";
import {
  type BenchBackend,
  ballotsFor,
  checkQuietMachine,
  makeChoices,
  mintVoters,
  newAgent,
  onCleanup,
  openDemoRound,
  parsingFlags,
  progress,
  reportNon201,
  runMain,
  runWrk,
  sourceRevision,
  startBackend,
  startTimeLimit,
  throwIfAborted,
  wholeNumber,
} from "./bench-support.js";

const USAGE = `usage: npm run bench:cluster-durability -- [options]
  --voters N          ballots per run, one per voter (default 5000)
  --concurrency N     wrk connections, each with one request in flight (default 64)
  --pairs N           runs of each setting, alternating local and replicated (default 2)
  --timeout-ms N      BALLOT_REPLICA_ACK_TIMEOUT_MS of the replicated backend (default 500)
  --time-limit S      stop after this many seconds (default 300)`;

const MODES = ["local", "replicated"] as const;

function parseOptions(argv: string[]) {
  return parsingFlags(() => {
    const { values } = parseArgs({
      args: argv,
      options: {
        voters: { type: "string", default: "5000" },
        concurrency: { type: "string", default: "64" },
        pairs: { type: "string", default: "2" },
        "timeout-ms": { type: "string", default: "500" },
        "time-limit": { type: "string", default: "300" },
      },
    });
    return {
      voters: wholeNumber("voters", values.voters, 100, 200_000),
      concurrency: wholeNumber("concurrency", values.concurrency, 1, 1000),
      pairs: wholeNumber("pairs", values.pairs, 1, 10),
      timeoutMs: wholeNumber("timeout-ms", values["timeout-ms"], 10, 60_000),
      timeLimitS: wholeNumber("time-limit", values["time-limit"], 10, 3600),
    };
  });
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  startTimeLimit(options.timeLimitS);
  const warnings: string[] = [];
  const background = await checkQuietMachine(warnings);

  progress("redis cluster: starting 3 masters + 3 replicas …");
  const cluster = await startRedisCluster();
  onCleanup(() => cluster.stop());
  const nodes = cluster.nodes.map((node) => `${node.host}:${node.port}`).join(",");

  // Both backends take the same voter tokens: one secret for both (as backends sharing a Redis do).
  const secrets = {
    ADMIN_TOKEN: randomBytes(24).toString("base64url"),
    VOTER_TOKEN_SECRET: randomBytes(32).toString("hex"),
  };
  const backends = new Map<(typeof MODES)[number], BenchBackend>();
  for (const mode of MODES) {
    backends.set(
      mode,
      await startBackend("", {
        ...secrets,
        REDIS_CLUSTER_NODES: nodes,
        BALLOT_DURABILITY: mode,
        BALLOT_REPLICA_ACK_TIMEOUT_MS: String(options.timeoutMs),
      }),
    );
  }
  const agent = newAgent(64);
  onCleanup(() => agent.destroy());
  const first = backends.get("local") as BenchBackend;
  const tokens = await mintVoters(agent, first.port, options.voters, 64);

  const rows: string[] = [];
  const rates = new Map<string, number[]>(MODES.map((mode) => [mode, []]));
  const problems: string[] = [];
  for (let pair = 1; pair <= options.pairs; pair++) {
    for (const mode of pair % 2 === 1 ? MODES : [...MODES].reverse()) {
      throwIfAborted();
      const backend = backends.get(mode) as BenchBackend;
      // A round of its own per run, on whichever master its id hashes to.
      const round: RoundView = await openDemoRound(agent, backend, `cd-${mode}-${pair}-${Date.now().toString(36)}`);
      const optionIds = round.options.map((option) => option.id);
      const choices = makeChoices(options.voters, optionIds, round.rules.minChoices, round.rules.maxChoices, pair);
      const run = await runWrk(
        backend.port,
        `/api/rounds/${round.id}/ballots`,
        ballotsFor(tokens, choices),
        options.concurrency,
        options.timeLimitS,
      );
      problems.push(...reportNon201(`${mode} (pair ${pair})`, run));
      const perSecond = (run.count * 1000) / run.elapsedMs;
      rates.get(mode)?.push(perSecond);
      const row = `${pair}  ${mode.padEnd(10)}  ${perSecond.toFixed(0).padStart(7)}/s  p50 ${run.p50Ms.toFixed(1)} ms  p99 ${run.p99Ms.toFixed(1)} ms`;
      rows.push(row);
      progress(row);
    }
  }
  for (const backend of backends.values()) await backend.server.stop();

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const local = median(rates.get("local") ?? []);
  const replicated = median(rates.get("replicated") ?? []);
  console.log(
    [
      `cluster durability (${sourceRevision()}, ${os.cpus().length} cores, other programs busy ${background.toFixed(2)} cores before)`,
      `${options.voters} ballots per run, ${options.concurrency} connections, replica timeout ${options.timeoutMs} ms`,
      ...rows,
      `median: local ${local.toFixed(0)}/s, replicated ${replicated.toFixed(0)}/s (${((replicated / local) * 100).toFixed(0)}% of local)`,
      ...warnings.map((warning) => `warning: ${warning}`),
      ...problems.map((problem) => `problem: ${problem}`),
    ].join("\n"),
  );
  return problems.length === 0 ? 0 : 1;
}

await runMain(main, USAGE);
