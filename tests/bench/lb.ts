/**
 * Load-balancer benchmark: ballot ingest through nginx (infra/nginx.conf.template, rendered as the tests do) in
 * front of 1, 2 and 3 real backend processes on one Redis, as ratios to one backend behind the same nginx in the
 * same run, with one backend reached directly as the cost of the hop; then the ballot → screen latency through
 * nginx (screens on WebSocket, spread over the backends by their route cookies).
 *
 *   npm run bench:lb -- [--voters 10000] [--concurrency 64] [--backends 1,2,3] [--repeats 2] [--json]
 *
 * The load generator is wrk in a process of its own (bench-support.ts's runWrk, as bench:ingest uses). A
 * benchmark, not a test: it prints figures (BENCHMARKS.md records them). Bounded in count and time; traffic only
 * to 127.0.0.1; every child process (backends, nginx, wrk, redis-server) is stopped on every way out.
 */
import { randomBytes } from "node:crypto";
import type { Agent } from "node:http";
import os from "node:os";
import { parseArgs } from "node:util";
import type { RecountResult } from "@lb/common";
import { io } from "socket.io-client";
import { type RunningNginx, startNginx } from "../support/nginx.js";
import { startRedisCluster } from "../support/redis-cluster.js";
import type { BoardSocket } from "../support/wait.js";
import {
  abortable,
  type Ballot,
  type BenchBackend,
  ballotsFor,
  checkQuietMachine,
  children,
  cpuShare,
  cpuSnapshot,
  expectJson,
  httpRequest,
  makeChoices,
  mintVoters,
  newAgent,
  onCleanup,
  openDemoRound,
  parsingFlags,
  percentile,
  postBallot,
  progress,
  reportNon201,
  runMain,
  runWrk,
  sourceRevision,
  startBackend,
  startRedis,
  startTimeLimit,
  throwIfAborted,
  UsageError,
  type WrkRun,
  wholeNumber,
  writeReport,
} from "./bench-support.js";

const USAGE = `Usage: npm run bench:lb -- [options]

  --voters N          ballots in each measured run (default 10000)
  --concurrency N     wrk connections (default 64)
  --backends LIST     backend counts behind nginx (default 1,2,3; the first is the ratios' base)
  --repeats N         rounds of runs, the order reversed every other time (default 2)
  --screens N         screens for the latency part (default 30)
  --latency-ballots N ballots sent one at a time for the latency part (default 200, at --latency-rate per s)
  --latency-rate N    (default 20)
  --time-limit S      abort the whole run after S seconds (default 600)
  --cluster           the backends on a Redis Cluster (3 masters + 3 replicas from redis-server, as the tests
                      start it) instead of one Redis; Redis CPU is then not split out
  --json              print one machine-readable JSON line on stdout (the table goes to stderr)
  --help              this text

Environment: REDIS_URL (default: a private redis-server from PATH, append-only file on, in a temp dir).`;

interface Options {
  voters: number;
  concurrency: number;
  backends: number[];
  repeats: number;
  screens: number;
  latencyBallots: number;
  latencyRate: number;
  timeLimitS: number;
  cluster: boolean;
  json: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parsingFlags(() =>
    parseArgs({
      args: argv,
      options: {
        voters: { type: "string", default: "10000" },
        concurrency: { type: "string", default: "64" },
        backends: { type: "string", default: "1,2,3" },
        repeats: { type: "string", default: "2" },
        screens: { type: "string", default: "30" },
        "latency-ballots": { type: "string", default: "200" },
        "latency-rate": { type: "string", default: "20" },
        "time-limit": { type: "string", default: "600" },
        cluster: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }),
  );
  if (values.help) throw new UsageError("");
  return {
    voters: wholeNumber("voters", values.voters, 100, 100_000),
    concurrency: wholeNumber("concurrency", values.concurrency, 1, 1000),
    backends: values.backends.split(",").map((part) => wholeNumber("backends", part.trim(), 1, 8)),
    repeats: wholeNumber("repeats", values.repeats, 1, 10),
    screens: wholeNumber("screens", values.screens, 1, 1000),
    latencyBallots: wholeNumber("latency-ballots", values["latency-ballots"], 1, 10_000),
    latencyRate: wholeNumber("latency-rate", values["latency-rate"], 1, 1000),
    timeLimitS: wholeNumber("time-limit", values["time-limit"], 10, 3600),
    cluster: values.cluster,
    json: values.json,
  };
}

interface Run {
  /** "nginx → N" or "direct → 1". */
  label: string;
  backends: number;
  viaNginx: boolean;
  ballotsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Ratio to the first --backends count through nginx in the same repeat. */
  ratio?: number;
  cores: { backends: number | null; nginx: number | null; redis: number | null; machine: number };
  /** CPU time per ballot, µs. */
  usPerBallot: { backends: number | null; nginx: number | null; redis: number | null };
}

/** The median (the lower middle of an even count: bench-support's percentile). */
const median = (values: number[]) => percentile(Float64Array.from(values).sort(), 0.5);

/** One private Redis (or REDIS_URL), or with --cluster a Redis Cluster whose seeds the backends get instead. */
async function startTarget(
  cluster: boolean,
): Promise<{ url: string; pid: number | undefined; label: string; clusterNodes?: string }> {
  if (!cluster) return startRedis("always");
  const started = await startRedisCluster();
  onCleanup(() => started.stop());
  const clusterNodes = started.nodes.map((node) => `${node.host}:${node.port}`).join(",");
  return { url: "", pid: undefined, label: `a Redis Cluster (${started.nodes.length} nodes)`, clusterNodes };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  startTimeLimit(options.timeLimitS);
  const startedAt = new Date();
  const problems: string[] = [];
  const warnings: string[] = [];
  const background = await checkQuietMachine(warnings);
  const { url: redisUrl, pid: redisPid, label: redisLabel, clusterNodes } = await startTarget(options.cluster);
  const secrets = {
    ADMIN_TOKEN: randomBytes(24).toString("base64url"),
    VOTER_TOKEN_SECRET: randomBytes(32).toString("hex"),
    TRUST_PROXY: "true",
    METRICS_TOKEN: randomBytes(24).toString("base64url"),
    ...(clusterNodes ? { REDIS_CLUSTER_NODES: clusterNodes } : {}),
  };
  const most = Math.max(...options.backends);
  const backends: BenchBackend[] = [];
  for (let i = 0; i < most; i++) backends.push(await startBackend(redisUrl, secrets));
  const first = backends[0] as BenchBackend;
  const balancers = new Map<number, RunningNginx>();
  for (const count of options.backends) {
    const nginx = await startNginx(backends.slice(0, count).map((backend) => `127.0.0.1:${backend.port}`));
    onCleanup(() => nginx.stop());
    // A second Ctrl-C kills every child at once: nginx too.
    children.add(nginx.child);
    balancers.set(count, nginx);
  }
  progress(`backends: ${most} on ${redisLabel}; nginx in front of ${options.backends.join(", ")} of them`);
  const agent = newAgent(64);

  const tokens = await mintVoters(agent, first.port, options.voters, 64);
  const base = `lb-${Date.now().toString(36)}`;
  let roundNumber = 0;
  const newRound = async () => openDemoRound(agent, first, `${base}-${roundNumber++}`);
  const warmupRound = await newRound();
  const optionIds = warmupRound.options.map((option) => option.id);
  const choices = makeChoices(options.voters, optionIds, warmupRound.rules.minChoices, warmupRound.rules.maxChoices, 1);

  const wrkRun = async (port: number, label: string, ballots: readonly Ballot[], roundId: string) => {
    const run = await runWrk(port, `/api/rounds/${roundId}/ballots`, ballots, options.concurrency, options.timeLimitS);
    problems.push(...reportNon201(label, run));
    return run;
  };
  // Warm-up: JIT, connections and nginx's upstream keep-alive, through the widest balancer.
  await wrkRun(
    (balancers.get(most) as RunningNginx).port,
    "warm-up",
    ballotsFor(tokens, choices.slice(0, Math.min(2000, options.voters))),
    warmupRound.id,
  );

  const runs: Run[][] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    const plan: { count: number; viaNginx: boolean }[] = [
      { count: 1, viaNginx: false },
      ...options.backends.map((count) => ({ count, viaNginx: true })),
    ];
    if (repeat % 2 === 1) plan.reverse();
    const these: Run[] = [];
    for (const { count, viaNginx } of plan) {
      throwIfAborted();
      const round = await newRound();
      const nginx = balancers.get(count) as RunningNginx;
      const label = viaNginx ? `nginx → ${count}` : "direct → 1";
      const pids = backends.slice(0, count).map((backend) => backend.server.child.pid);
      const before = cpuSnapshot(pids, redisPid);
      const nginxBefore = cpuSnapshot(viaNginx ? nginx.child.pid : undefined, undefined);
      const run: WrkRun = await wrkRun(
        viaNginx ? nginx.port : first.port,
        label,
        ballotsFor(tokens, choices),
        round.id,
      );
      const cpu = cpuShare(before, cpuSnapshot(pids, redisPid));
      const nginxCpu = viaNginx ? cpuShare(nginxBefore, cpuSnapshot(nginx.child.pid, undefined)).server : 0;
      const accepted = run.statuses.get("201") ?? 0;
      const recount = await expectJson<RecountResult>(
        httpRequest(agent, first.port, "GET", `/api/rounds/${round.id}/recount`, { headers: first.auth }),
        200,
        "recount",
      );
      if (!recount.matches || recount.ballots !== accepted) {
        problems.push(`${label}: recount ${JSON.stringify(recount)} vs ${accepted} acknowledged`);
      }
      const ballotsPerSecond = run.count / (run.elapsedMs / 1000);
      const perBallot = (cores: number | null) => (cores === null ? null : (cores * 1e6) / ballotsPerSecond);
      these.push({
        label,
        backends: count,
        viaNginx,
        ballotsPerSecond,
        p50Ms: run.p50Ms,
        p99Ms: run.p99Ms,
        cores: { backends: cpu.server, nginx: nginxCpu, redis: cpu.redis, machine: cpu.machine },
        usPerBallot: { backends: perBallot(cpu.server), nginx: perBallot(nginxCpu), redis: perBallot(cpu.redis) },
      });
      progress(
        `repeat ${repeat + 1}: ${label}: ${ballotsPerSecond.toFixed(0)} ballots/s, p99 ${run.p99Ms.toFixed(1)} ms`,
      );
    }
    const baseRun = these.find((run) => run.viaNginx && run.backends === options.backends[0]);
    for (const run of these) if (baseRun) run.ratio = run.ballotsPerSecond / baseRun.ballotsPerSecond;
    runs.push(these);
  }

  const latency = await screenLatency(
    options,
    balancers.get(most) as RunningNginx,
    backends,
    secrets.METRICS_TOKEN,
    agent,
    newRound,
    tokens,
    choices,
  );
  problems.push(...latency.problems);

  const labels = runs[0]?.map((run) => run.label) ?? [];
  const summary = labels.map((label) => {
    const same = runs.map((these) => these.find((run) => run.label === label) as Run);
    const mid = (pick: (run: Run) => number | null | undefined) => {
      const values = same.map(pick).filter((value): value is number => typeof value === "number");
      return values.length ? median(values) : null;
    };
    return {
      label,
      ballotsPerSecond: mid((run) => run.ballotsPerSecond),
      ratio: mid((run) => run.ratio),
      p99Ms: mid((run) => run.p99Ms),
      backendCores: mid((run) => run.cores.backends),
      nginxCores: mid((run) => run.cores.nginx),
      redisCores: mid((run) => run.cores.redis),
      machineCores: mid((run) => run.cores.machine),
      backendUs: mid((run) => run.usPerBallot.backends),
      nginxUs: mid((run) => run.usPerBallot.nginx),
      redisUs: mid((run) => run.usPerBallot.redis),
    };
  });
  const result = {
    benchmark: "lb",
    startedAt: startedAt.toISOString(),
    revision: sourceRevision(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim() ?? "unknown", backgroundCores: background },
    options: { ...options, redis: redisLabel, generator: "wrk -t1" },
    runs,
    summary,
    latency: latency.figures,
    problems,
    warnings,
    ok: problems.length === 0,
  };
  const fixed = (value: number | null | undefined, digits = 0) =>
    value === null || value === undefined ? "n/a" : value.toFixed(digits);
  const lines = [
    `bench:lb — ${options.voters} ballots per run, wrk -t1 -c${options.concurrency}, medians of ${options.repeats} repeat(s); ` +
      `background load ${background.toFixed(2)} cores before the run`,
    "",
    "run | ballots/s | ratio | p99 ms | cores: backends / nginx / redis / machine | µs per ballot: backends / nginx / redis",
    "--- | ---: | ---: | ---: | --- | ---",
    ...summary.map(
      (row) =>
        `${row.label} | ${fixed(row.ballotsPerSecond)} | ${fixed(row.ratio, 2)} | ${fixed(row.p99Ms, 1)} | ` +
        `${fixed(row.backendCores, 2)} / ${fixed(row.nginxCores, 2)} / ${fixed(row.redisCores, 2)} / ${fixed(row.machineCores, 2)} | ` +
        `${fixed(row.backendUs)} / ${fixed(row.nginxUs)} / ${fixed(row.redisUs)}`,
    ),
    "",
    `ballot → screen through nginx → ${most} backends: ${options.screens} screens, ${options.latencyBallots} ballots at ` +
      `${options.latencyRate}/s: p50 ${fixed(latency.figures.p50Ms, 1)} ms, p95 ${fixed(latency.figures.p95Ms, 1)} ms, ` +
      `p99 ${fixed(latency.figures.p99Ms, 1)} ms, max ${fixed(latency.figures.maxMs, 1)} ms ` +
      `(screens per backend: ${latency.figures.screensPerBackend.join(", ")})`,
    ...problems.map((problem) => `PROBLEM: ${problem}`),
    ...warnings.map((warning) => `warning: ${warning}`),
  ];
  const table = lines.join("\n");
  writeReport(table, result, options.json);
  return result.ok ? 0 : 1;
}

/**
 * Screens on WebSocket through nginx, ballots sent one at a time (open loop at --latency-rate) through nginx: for
 * every ballot and screen, the time from sending the ballot to the first update whose total includes it.
 */
async function screenLatency(
  options: Options,
  nginx: RunningNginx,
  backends: readonly BenchBackend[],
  metricsToken: string,
  agent: Agent,
  newRound: () => Promise<{ id: string }>,
  tokens: readonly string[],
  choices: readonly string[][],
) {
  const problems: string[] = [];
  const round = await newRound();
  const count = Math.min(options.latencyBallots, tokens.length);
  const sentAt = new Float64Array(count + 1);
  const samples: number[] = [];
  const screens: BoardSocket[] = [];
  for (let i = 0; i < options.screens; i++) {
    const socket: BoardSocket = io(nginx.url, { transports: ["websocket"], reconnection: false, forceNew: true });
    onCleanup(() => {
      socket.disconnect();
    });
    screens.push(socket);
  }
  // Connect and join every screen first; each then waits for the update that shows the last ballot (wrapped in
  // an object: an async function returning a bare promise would wait for it).
  const watching = await Promise.all(
    screens.map(async (socket) => {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("a screen did not connect in 10 s")), 10_000);
        socket.once("connect", () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once("connect_error", reject);
      });
      const ack = await socket.timeout(10_000).emitWithAck("board:join", { roundId: round.id });
      if ("error" in ack) throw new Error(`board:join: ${ack.error.code}`);
      let shown = ack.ok.totalBallots;
      const seenAll = new Promise<void>((resolve) => {
        socket.on("leaderboard:updated", (update) => {
          const now = performance.now();
          for (let k = shown + 1; k <= update.totalBallots && k <= count; k++)
            samples.push(now - (sentAt[k] as number));
          shown = Math.max(shown, update.totalBallots);
          if (shown >= count) resolve();
        });
      });
      return { seenAll };
    }),
  );
  // Where nginx put the screens (each new client gets a random route key): each backend's own lb_sockets.
  const screensPerBackend = await Promise.all(
    backends.map(async (backend) => {
      const text = (
        await httpRequest(agent, backend.port, "GET", "/metrics", {
          headers: { authorization: `Bearer ${metricsToken}` },
        })
      ).body.toString("utf8");
      return text
        .split("\n")
        .filter((line) => line.startsWith("lb_sockets{"))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
    }),
  );
  const ballots = ballotsFor(tokens, choices.slice(0, count));
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / options.latencyRate - performance.now();
    if (wait > 0) await abortable(new Promise((resolve) => setTimeout(resolve, wait)));
    // Ballots are sent one at a time, so the k-th counted is the k-th sent.
    sentAt[i + 1] = performance.now();
    const outcome = await postBallot(
      agent,
      nginx.port,
      `/api/rounds/${round.id}/ballots`,
      ballots[i] as Ballot,
      new Map(),
    );
    if (outcome !== "201") problems.push(`latency ballot ${i}: ${outcome}`);
  }
  await abortable(
    Promise.race([
      Promise.all(watching.map((screen) => screen.seenAll)),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error("screens did not see every ballot in 10 s")), 10_000),
      ),
    ]),
  ).catch((error: unknown) => problems.push(String(error)));
  for (const socket of screens) socket.disconnect();
  const sorted = Float64Array.from(samples).sort();
  return {
    problems,
    figures: {
      samples: sorted.length,
      p50Ms: percentile(sorted, 0.5),
      p95Ms: percentile(sorted, 0.95),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted[sorted.length - 1] ?? Number.NaN,
      screensPerBackend,
    },
  };
}

await runMain(main, USAGE);
