/**
 * Ingest benchmark: how many ballots per second the real backend process accepts end to end (HTTP → the ballot
 * route → one Lua script in Redis with the append-only file on), next to a bare node:http server driven by the same
 * load generator (wrk, in a process of its own) on the same machine, alternated in pairs, and redis-benchmark's SET
 * rate on the same Redis as a second reference.
 *
 *   npm run bench:ingest -- [--voters 20000] [--concurrency 64] [--pairs 3] [--tickets] [--limits on|off]
 *                           [--workers N] [--appendfsync always|everysec] [--rate N|auto] [--json]
 *
 * A benchmark, not a test: it prints figures. It is bounded in count (--voters) and time (--time-limit), sends
 * traffic only to 127.0.0.1 (or to REDIS_URL), and stops every child process it started, also on error and
 * Ctrl-C. BENCHMARKS.md at the repository root explains the method and records results.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Agent } from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { AppendFsync } from "@lb/backend";
import type { Leaderboard, RecountResult, RoundView } from "@lb/common";
import {
  abortable,
  type Ballot,
  type BenchBackend,
  BUSY_MACHINE_CORES,
  ballotsFor,
  type CpuShare,
  checkQuietMachine,
  children,
  cpuLine,
  cpuShare,
  cpuSnapshot,
  createTickets,
  describeError,
  expectJson,
  freePort,
  httpRequest,
  makeChoices,
  mintVoters,
  newAgent,
  onCleanup,
  openDemoRound,
  parsingFlags,
  progress,
  reportNon201,
  runMain,
  runPaced,
  runWrk,
  sourceRevision,
  startBackend,
  startRedis,
  startServerChild,
  startTimeLimit,
  throwIfAborted,
  UsageError,
  type WrkRun,
  wholeNumber,
  writeReport,
} from "./bench-support.js";
import { collectGcEvents, GC_TRACE_FLAG, type GcSummary, summariseGc } from "./gc-trace.js";

const bareServerScript = fileURLToPath(new URL("./bare-server.ts", import.meta.url));
const REDIS_BENCHMARK_ARGS = ["-q", "-n", "100000", "-c", "50", "-t", "set"];

// ---------------------------------------------------------------------------------------------------------------
// Options

interface Options {
  voters: number;
  concurrency: number;
  warmup: number;
  seed: number;
  timeLimitS: number;
  json: boolean;
  /** VOTER_LIMITS of the backend; `on` gives every voter an address (and /24) of its own. */
  limits: "on" | "off";
  /** Tickets rounds: every ballot carries a ticket of its round instead of a voter token. */
  tickets: boolean;
  /** Pairs of runs (bare, then the service), alternating. */
  pairs: number;
  /** WORKERS of the backend (its default when not given). */
  workers: number | undefined;
  redisBenchmark: boolean;
  /** fsync policy of the private redis-server (ignored with REDIS_URL). */
  appendFsync: AppendFsync;
  /** Where the backend writes a V8 CPU profile (node --cpu-prof), if asked. */
  cpuProfDir: string | undefined;
  /** Start the backend with node --trace-gc-nvp and report its collections in each service run. */
  gc: boolean;
  /** Open-loop run after the pairs: ballots a second, or `auto` (RATE_SHARE of the measured saturated rate). */
  rate: number | "auto" | undefined;
}

/** `--rate auto`: the open-loop run's share of the service's saturated rate (median of the pairs). */
const RATE_SHARE = 0.8;

const USAGE = `Usage: npm run bench:ingest -- [options]

  --voters N          ballots in each measured run, one per voter (default 20000; at most 100000 with --tickets)
  --concurrency N     wrk connections, each with one request in flight (default 64)
  --warmup N          ballots sent to a separate warm-up round, to each server, first (default 1000)
  --seed N            seed of the random ballots (default 1)
  --time-limit S      abort the whole run after S seconds (default 300)
  --json              print one machine-readable JSON line on stdout (the table goes to stderr)
  --pairs N           pairs of runs, bare node:http then the service, each pair in a round of its own (default 3)
  --tickets           tickets rounds: each ballot carries a ticket of its round (created untimed), no voter token
  --workers N         the backend's WORKERS (default: the backend's own default)
  --limits on|off     the backend's VOTER_LIMITS (default off); on: TRUST_PROXY, and every voter mints and votes
                      from an X-Forwarded-For address in a /24 of its own, so the limits run but are not reached
  --redis-benchmark   also run redis-benchmark when REDIS_URL points to a Redis this script did not start
                      (it writes the key "key:__rand_int__" there)
  --appendfsync P     always|everysec: fsync policy of the private redis-server (default always, what npm start
                      runs; ignored with REDIS_URL)
  --rate N|auto       after the pairs, one more round sent open loop (paced, from paced-ballots.mjs in a process of
                      its own) at N ballots/s, or auto: ${RATE_SHARE * 100}% of the pairs' median service rate;
                      reports p50/p90/p99 counted from each ballot's due time
  --cpu-prof DIR      start the backend with node --cpu-prof, writing its profile into DIR (open it in Chrome
                      DevTools or speedscope); the profiler slows the backend, so ignore that run's figures
  --gc                start the backend with node --trace-gc-nvp and report, per service run, its scavenges
                      (what survived them and was promoted, medians) and its GC pauses
  --help              this text

Environment: REDIS_URL (default: a private redis-server from PATH, append-only file on, in a temp dir).`;

function parseOptions(argv: string[]): Options {
  return parsingFlags(() => checkedOptions(argv));
}

function checkedOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      voters: { type: "string", default: "20000" },
      concurrency: { type: "string" },
      warmup: { type: "string" },
      seed: { type: "string", default: "1" },
      "time-limit": { type: "string", default: "300" },
      json: { type: "boolean", default: false },
      limits: { type: "string", default: "off" },
      tickets: { type: "boolean", default: false },
      pairs: { type: "string", default: "3" },
      workers: { type: "string" },
      "redis-benchmark": { type: "boolean", default: false },
      appendfsync: { type: "string", default: "always" },
      "cpu-prof": { type: "string" },
      gc: { type: "boolean", default: false },
      rate: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = wholeNumber;
  const voters = int("voters", values.voters, 1, 1_000_000);
  const options: Options = {
    voters,
    // The defaults shrink to fit a small --voters; explicit values must fit.
    concurrency: int("concurrency", values.concurrency ?? String(Math.min(64, voters)), 1, 4096),
    warmup: int("warmup", values.warmup ?? String(Math.min(1000, voters)), 0, voters),
    seed: int("seed", values.seed, 0, 2 ** 31 - 1),
    timeLimitS: int("time-limit", values["time-limit"], 10, 3600),
    json: values.json,
    limits: values.limits === "on" ? "on" : "off",
    tickets: values.tickets,
    pairs: int("pairs", values.pairs, 1, 20),
    workers: values.workers === undefined ? undefined : int("workers", values.workers, 1, 64),
    redisBenchmark: values["redis-benchmark"],
    appendFsync: appendFsyncFlag(values.appendfsync),
    cpuProfDir: values["cpu-prof"] === undefined ? undefined : path.resolve(values["cpu-prof"]),
    gc: values.gc,
    rate: values.rate === undefined || values.rate === "auto" ? values.rate : int("rate", values.rate, 1, 1_000_000),
  };
  if (values.limits !== "on" && values.limits !== "off") throw new UsageError("--limits must be on or off");
  if (options.tickets && options.voters > 100_000) throw new UsageError("--tickets allows at most 100000 --voters");
  if (options.concurrency > options.voters) {
    throw new UsageError(`--concurrency (${options.concurrency}) must not exceed --voters (${options.voters})`);
  }
  return options;
}

function appendFsyncFlag(raw: string): AppendFsync {
  if (raw === "always" || raw === "everysec") return raw;
  throw new UsageError(`--appendfsync must be always or everysec, got "${raw}"`);
}

// ---------------------------------------------------------------------------------------------------------------
// Figures of one run

interface Figures {
  ballotsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  elapsedMs: number;
  non201: number;
  statuses: Record<string, number>;
}

function figures(run: WrkRun): Figures {
  const statuses = Object.fromEntries([...run.statuses].sort(([a], [b]) => a.localeCompare(b)));
  return {
    ballotsPerSecond: run.count / (run.elapsedMs / 1000),
    p50Ms: run.p50Ms,
    p99Ms: run.p99Ms,
    maxMs: run.maxMs,
    elapsedMs: run.elapsedMs,
    non201: run.count - (run.statuses.get("201") ?? 0),
    statuses,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

// ---------------------------------------------------------------------------------------------------------------
// redis-benchmark as a reference

interface RedisReference {
  ran: boolean;
  note: string;
  setRps?: number;
  p50Ms?: number;
}

async function redisBenchmark(redisUrl: string): Promise<RedisReference> {
  // redis-benchmark reads `redis://:password@` as user "" (refused): name the default user, as Redis 6+ knows it.
  const args = ["-u", redisUrl.replace(/^(rediss?:\/\/):/, "$1default:"), ...REDIS_BENCHMARK_ARGS];
  const child = spawn("redis-benchmark", args, { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const outcome = await abortable(
    new Promise<{ code: number | null } | { error: NodeJS.ErrnoException }>((resolve) => {
      child.once("error", (error: NodeJS.ErrnoException) => resolve({ error }));
      child.once("close", (code) => resolve({ code }));
    }),
  );
  children.delete(child);
  const shown = `redis-benchmark ${REDIS_BENCHMARK_ARGS.join(" ")}`;
  if ("error" in outcome) {
    return {
      ran: false,
      note:
        outcome.error.code === "ENOENT"
          ? "skipped: redis-benchmark is not on PATH"
          : `skipped: ${describeError(outcome.error)}`,
    };
  }
  // -q prints progress with \r and then e.g. "SET: 91743.12 requests per second, p50=0.279 msec".
  const matches = [...output.matchAll(/SET: ([\d.]+) requests per second(?:, p50=([\d.]+) msec)?/g)];
  const last = matches[matches.length - 1];
  if (outcome.code !== 0 || !last) {
    return { ran: false, note: `${shown} failed (exit ${outcome.code}): ${output.trim().slice(-300)}` };
  }
  return {
    ran: true,
    note: shown,
    setRps: Number(last[1]),
    ...(last[2] ? { p50Ms: Number(last[2]) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The run

interface Correctness {
  roundId: string;
  /** Ballots wrk counted as answered 201. */
  answered201: number;
  totalBallots: number;
  perOptionMatches: boolean;
  recountMatches: boolean;
  recountBallots: number;
  ok: boolean;
}

/** The open-loop run (--rate): latency at a fixed rate below saturation. */
interface PacedFigures {
  /** Ballots a second asked for, and how that was chosen. */
  rate: number;
  of: string;
  achievedRate: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  maxSendLagMs: number;
  cpu: CpuShare;
  backendUsPerBallot: number | null;
  redisUsPerBallot: number | null;
  correctness: Correctness;
}

/** One pair: bare node:http, then the service, with the same ballots, one after the other. */
interface Pair {
  service: Figures;
  bare: Figures;
  ratio: number;
  serviceCpu: CpuShare;
  bareCpu: CpuShare;
  /** The backend's collections during the service run (--gc). */
  gc: GcSummary | null;
  /** Backend and Redis CPU per ballot, in µs (null without /proc). */
  backendUsPerBallot: number | null;
  redisUsPerBallot: number | null;
  correctness: Correctness;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  startTimeLimit(options.timeLimitS);
  const startedAt = new Date();
  const revision = sourceRevision();
  const problems: string[] = [];
  /** Reasons to distrust the figures that do not make the run fail. */
  const warnings: string[] = [];
  const background = await checkQuietMachine(warnings);

  // 1. Redis: REDIS_URL, or a private redis-server (append-only file, fsync as --appendfsync says) in a temp dir.
  const { url: redisUrl, own: ownRedis, pid: redisPid, label: redisLabel } = await startRedis(options.appendFsync);

  // 2. The real backend process, and the bare node:http baseline beside it (each idles while the other runs).
  const limitsOn = options.limits === "on";
  const target = await startBackend(
    redisUrl,
    {
      ...(limitsOn ? { VOTER_LIMITS: "on", TRUST_PROXY: "true" } : {}),
      ...(options.workers === undefined ? {} : { WORKERS: String(options.workers) }),
    },
    [
      ...(options.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfDir] : []),
      ...(options.gc ? [GC_TRACE_FLAG] : []),
    ],
  );
  const { server: backend, port: backendPort } = target;
  const gcEvents = options.gc ? collectGcEvents(backend) : [];
  progress(
    `backend: node backend/dist/main.js listening on 127.0.0.1:${backendPort} (VOTER_LIMITS=${options.limits}, ` +
      `WORKERS=${options.workers ?? "default"})`,
  );
  const barePort = await freePort();
  const bareServer = await startServerChild(
    "bare",
    ["--import", import.meta.resolve("tsx"), bareServerScript],
    { PORT: String(barePort), HOST: "127.0.0.1" },
    barePort,
  );
  const controlAgent = newAgent(16);

  // 3. Rounds from the demo data: one measured round per pair, and a warm-up round (so each measured round counts
  // exactly V). Tickets rounds with --tickets.
  const base = `bench-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const electorate = options.tickets ? "tickets" : "open";
  const roundIds = Array.from({ length: options.pairs }, (_, index) => `${base}-${index + 1}`);
  const warmupRoundId = `${base}-warmup`;
  const pacedRoundId = `${base}-paced`;
  let round: RoundView | undefined;
  for (const id of [
    ...roundIds,
    ...(options.warmup > 0 ? [warmupRoundId] : []),
    ...(options.rate === undefined ? [] : [pacedRoundId]),
  ]) {
    round = await openDemoRound(controlAgent, target, id, electorate);
  }
  if (!round) throw new Error("no round");
  progress(
    `rounds: ${roundIds.length} measured (${electorate}) and ${options.warmup > 0 ? "a" : "no"} warm-up round open ` +
      `(${round.options.length} options, ${round.rules.minChoices}..${round.rules.maxChoices} picks)`,
  );

  // 4. Voter tokens (or each round's tickets) and ballots, made before anything is timed. The same voters vote in
  // every round: one ballot per voter and round.
  const tokens = options.tickets ? [] : await mintVoters(controlAgent, backendPort, options.voters, 64, limitsOn);
  const optionIds = round.options.map((option) => option.id);
  const choices = makeChoices(options.voters, optionIds, round.rules.minChoices, round.rules.maxChoices, options.seed);
  const ballotsOf = async (roundId: string, count: number) =>
    ballotsFor(
      tokens,
      choices.slice(0, count),
      limitsOn,
      options.tickets ? await createTickets(controlAgent, target, roundId, count) : undefined,
    );
  const expectedVotes = new Map<string, number>(optionIds.map((id) => [id, 0]));
  for (const picks of choices) for (const id of picks) expectedVotes.set(id, (expectedVotes.get(id) ?? 0) + 1);
  const meanPicks = choices.reduce((sum, picks) => sum + picks.length, 0) / choices.length;

  const wrk = (port: number, roundId: string, ballots: readonly Ballot[]) =>
    runWrk(port, `/api/rounds/${roundId}/ballots`, ballots, options.concurrency, options.timeLimitS);

  // 5. Warm-up of both servers (JIT, connections, Redis), on the warm-up round.
  if (options.warmup > 0) {
    const warmupBallots = await ballotsOf(warmupRoundId, options.warmup);
    problems.push(...reportNon201("bare warm-up", await wrk(barePort, warmupRoundId, warmupBallots)));
    problems.push(...reportNon201("service warm-up", await wrk(backendPort, warmupRoundId, warmupBallots)));
    progress(`warm-up: ${options.warmup} ballots to each server`);
  }

  // 6. The pairs: bare, then the service, alternating; the ratio is taken within each pair.
  const pairs: Pair[] = [];
  let meanBodyBytes = 0;
  for (const roundId of roundIds) {
    throwIfAborted();
    const ballots = await ballotsOf(roundId, options.voters);
    meanBodyBytes = ballots.reduce((sum, ballot) => sum + ballot.body.length, 0) / ballots.length;
    const bareBefore = cpuSnapshot(bareServer.child.pid, redisPid);
    const bareRun = await wrk(barePort, roundId, ballots);
    const bareCpu = cpuShare(bareBefore, cpuSnapshot(bareServer.child.pid, redisPid));
    problems.push(...reportNon201(`bare node:http (${roundId})`, bareRun));
    const serviceBefore = cpuSnapshot(backend.child.pid, redisPid);
    const gcFrom = gcEvents.length;
    const serviceRun = await wrk(backendPort, roundId, ballots);
    const serviceCpu = cpuShare(serviceBefore, cpuSnapshot(backend.child.pid, redisPid));
    const gc = options.gc ? summariseGc(gcEvents.slice(gcFrom)) : null;
    problems.push(...reportNon201(`service (${roundId})`, serviceRun));
    const service = figures(serviceRun);
    const bare = figures(bareRun);
    const perBallot = (cores: number | null) => (cores === null ? null : (cores * 1e6) / service.ballotsPerSecond);
    const correctness = await checkRound(controlAgent, target, roundId, serviceRun, options.voters, expectedVotes);
    problems.push(...correctnessProblems(correctness, options.voters));
    pairs.push({
      service,
      bare,
      ratio: service.ballotsPerSecond / bare.ballotsPerSecond,
      serviceCpu,
      bareCpu,
      gc,
      backendUsPerBallot: perBallot(serviceCpu.server),
      redisUsPerBallot: perBallot(serviceCpu.redis),
      correctness,
    });
    progress(
      `pair ${pairs.length}: service ${service.ballotsPerSecond.toFixed(0)}/s, bare ${bare.ballotsPerSecond.toFixed(0)}/s, ` +
        `ratio ${(service.ballotsPerSecond / bare.ballotsPerSecond).toFixed(2)}`,
    );
    for (const [label, share] of [
      ["service", serviceCpu],
      ["bare node:http", bareCpu],
    ] as const) {
      if (share.other !== null && share.other > BUSY_MACHINE_CORES) {
        warnings.push(`other programs used ${share.other.toFixed(2)} cores during a ${label} run`);
      }
    }
  }

  // 6b. Open loop: one more round at a fixed rate below saturation, for the latency a voter sees there.
  let paced: PacedFigures | null = null;
  if (options.rate !== undefined) {
    throwIfAborted();
    const serviceRates = pairs.map((pair) => pair.service.ballotsPerSecond);
    const rate = Math.max(1, Math.round(options.rate === "auto" ? RATE_SHARE * median(serviceRates) : options.rate));
    const ballots = await ballotsOf(pacedRoundId, options.voters);
    const before = cpuSnapshot(backend.child.pid, redisPid);
    const run = await runPaced(backendPort, `/api/rounds/${pacedRoundId}/ballots`, ballots, rate, options.concurrency);
    const after = cpuSnapshot(backend.child.pid, redisPid);
    const cpu = cpuShare(before, after);
    problems.push(...reportNon201(`service, open loop (${pacedRoundId})`, run));
    const correctness = await checkRound(controlAgent, target, pacedRoundId, run, options.voters, expectedVotes);
    problems.push(...correctnessProblems(correctness, options.voters));
    // CPU time over the ballots (the window also holds the generator's start and file, so not cores / rate).
    const perBallot = (cores: number | null) =>
      cores === null ? null : (cores * (after.at - before.at) * 1000) / options.voters;
    paced = {
      rate,
      of:
        options.rate === "auto" ? `${RATE_SHARE} × median service rate ${median(serviceRates).toFixed(0)}/s` : "--rate",
      achievedRate: run.achievedRate,
      p50Ms: run.p50Ms,
      p90Ms: run.p90Ms,
      p99Ms: run.p99Ms,
      maxMs: run.maxMs,
      maxSendLagMs: run.maxSendLagMs,
      cpu,
      backendUsPerBallot: perBallot(cpu.server),
      redisUsPerBallot: perBallot(cpu.redis),
      correctness,
    };
    progress(
      `open loop: ${rate}/s asked, ${run.achievedRate.toFixed(0)}/s done, p50 ${run.p50Ms.toFixed(1)} ms, ` +
        `p99 ${run.p99Ms.toFixed(1)} ms`,
    );
    if (run.maxSendLagMs > 10) {
      warnings.push(`the paced generator sent up to ${run.maxSendLagMs.toFixed(0)} ms late (its own event loop)`);
    }
    if (cpu.other !== null && cpu.other > BUSY_MACHINE_CORES) {
      warnings.push(`other programs used ${cpu.other.toFixed(2)} cores during the open-loop run`);
    }
  }

  controlAgent.destroy();
  await bareServer.stop();
  const backendUnexpected = backend.unexpectedExit;
  const backendExit = await backend.stop();
  if (backendUnexpected) problems.push(`backend exited during the run (${backendUnexpected})`);
  else if (backendExit !== "code 0") problems.push(`backend did not exit cleanly on SIGTERM (${backendExit})`);
  progress(
    `backend: stopped (${backendExit}); it printed ${backend.stdoutLines} stdout and ${backend.stderrLines} stderr lines`,
  );
  if (options.cpuProfDir) progress(`backend: CPU profile written to ${options.cpuProfDir}`);

  // 7. redis-benchmark on the same Redis.
  throwIfAborted();
  let redisReference: RedisReference;
  if (ownRedis || options.redisBenchmark) {
    progress(`redis-benchmark: ${REDIS_BENCHMARK_ARGS.join(" ")} …`);
    redisReference = await redisBenchmark(redisUrl);
  } else {
    redisReference = {
      ran: false,
      note: "skipped: REDIS_URL is not a Redis this script started (pass --redis-benchmark to run it there)",
    };
  }

  // 8. Report.
  const cpus = os.cpus();
  const machine = {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
  const medianOf = (pick: (pair: Pair) => number | null) => {
    const values = pairs.map(pick).filter((value): value is number => value !== null);
    return values.length ? median(values) : null;
  };
  const result = {
    benchmark: "ingest",
    startedAt: startedAt.toISOString(),
    revision,
    machine,
    options: {
      voters: options.voters,
      concurrency: options.concurrency,
      warmup: options.warmup,
      seed: options.seed,
      pairs: options.pairs,
      limits: options.limits,
      tickets: options.tickets,
      workers: options.workers ?? "default",
      generator: "wrk -t1",
      redis: redisLabel,
    },
    ballots: { meanPicks, meanBodyBytes },
    pairs,
    medians: {
      serviceBallotsPerSecond: medianOf((pair) => pair.service.ballotsPerSecond),
      serviceP50Ms: medianOf((pair) => pair.service.p50Ms),
      serviceP99Ms: medianOf((pair) => pair.service.p99Ms),
      bareBallotsPerSecond: medianOf((pair) => pair.bare.ballotsPerSecond),
      bareP50Ms: medianOf((pair) => pair.bare.p50Ms),
      bareP99Ms: medianOf((pair) => pair.bare.p99Ms),
      ratio: medianOf((pair) => pair.ratio),
      backendUsPerBallot: medianOf((pair) => pair.backendUsPerBallot),
      redisUsPerBallot: medianOf((pair) => pair.redisUsPerBallot),
    },
    paced,
    redisBenchmark: redisReference,
    cpu: { backgroundCores: background },
    problems,
    warnings,
    ok: problems.length === 0,
  };

  const table = renderTable(result);
  writeReport(table, result, options.json);
  return result.ok ? 0 : 1;
}

/** Tally = 201s = recount: the leaderboard (as the organiser), its per-option votes, and the audit log's recount. */
async function checkRound(
  agent: Agent,
  target: BenchBackend,
  roundId: string,
  run: WrkRun,
  voters: number,
  expectedVotes: Map<string, number>,
): Promise<Correctness> {
  const board = await expectJson<Leaderboard>(
    httpRequest(agent, target.port, "GET", `/api/rounds/${roundId}/leaderboard`, { headers: target.auth }),
    200,
    "GET leaderboard",
  );
  const recount = await expectJson<RecountResult>(
    httpRequest(agent, target.port, "GET", `/api/rounds/${roundId}/recount`, { headers: target.auth }),
    200,
    "GET recount",
  );
  const answered201 = run.statuses.get("201") ?? 0;
  const perOptionMatches =
    !board.resultsHidden &&
    board.entries.length === expectedVotes.size &&
    board.entries.every((entry) => entry.votes === expectedVotes.get(entry.optionId));
  const correctness: Correctness = {
    roundId,
    answered201,
    totalBallots: board.totalBallots,
    perOptionMatches,
    recountMatches: recount.matches,
    recountBallots: recount.ballots,
    ok: false,
  };
  correctness.ok =
    answered201 === voters &&
    board.totalBallots === answered201 &&
    perOptionMatches &&
    recount.matches &&
    recount.ballots === answered201;
  return correctness;
}

function correctnessProblems(correctness: Correctness, voters: number): string[] {
  if (correctness.ok) return [];
  return [
    `${correctness.roundId}: ${correctness.answered201} answered 201 of ${voters} sent, leaderboard totalBallots ` +
      `${correctness.totalBallots}, per-option votes ${correctness.perOptionMatches ? "match" : "DIFFER"}, recount ` +
      `matches=${correctness.recountMatches} with ${correctness.recountBallots} audited`,
  ];
}

function renderTable(result: {
  startedAt: string;
  revision: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string; memoryGiB: number };
  options: {
    voters: number;
    concurrency: number;
    warmup: number;
    seed: number;
    pairs: number;
    limits: string;
    tickets: boolean;
    workers: number | string;
    generator: string;
    redis: string;
  };
  ballots: { meanPicks: number; meanBodyBytes: number };
  pairs: Pair[];
  medians: Record<string, number | null>;
  paced: PacedFigures | null;
  redisBenchmark: RedisReference;
  cpu: { backgroundCores: number };
  problems: string[];
  warnings: string[];
}): string {
  const n0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const ms = (value: number) => value.toFixed(1);
  const us = (value: number | null) => (value === null ? "n/a" : value.toFixed(0));
  const row = (cells: string[]) =>
    cells.map((cell, index) => (index === 0 ? cell.padEnd(8) : cell.padStart(11))).join("");
  const { machine, options, medians } = result;
  const lines = [
    "",
    `Ingest benchmark, ${result.startedAt}, source ${result.revision}`,
    `machine: node ${machine.node}, ${machine.platform}, ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB`,
    `run: ${options.pairs} pairs (bare node:http, then the service) of ${options.voters} ballots (one per voter), ` +
      `${options.generator} -c${options.concurrency}, warm-up ${options.warmup}, VOTER_LIMITS=${options.limits}, ` +
      `${options.tickets ? "tickets" : "open"} rounds, WORKERS=${options.workers}, seed ${options.seed}, ` +
      `${result.ballots.meanPicks.toFixed(1)} picks and ${result.ballots.meanBodyBytes.toFixed(0)} body bytes per ballot`,
    `redis: ${options.redis}`,
    "",
    row(["pair", "service/s", "p50 ms", "p99 ms", "bare/s", "p50 ms", "p99 ms", "ratio", "backend µs", "redis µs"]),
    ...result.pairs.map((pair, index) =>
      row([
        String(index + 1),
        n0.format(pair.service.ballotsPerSecond),
        ms(pair.service.p50Ms),
        ms(pair.service.p99Ms),
        n0.format(pair.bare.ballotsPerSecond),
        ms(pair.bare.p50Ms),
        ms(pair.bare.p99Ms),
        pair.ratio.toFixed(2),
        us(pair.backendUsPerBallot),
        us(pair.redisUsPerBallot),
      ]),
    ),
    row([
      "median",
      n0.format(medians.serviceBallotsPerSecond ?? 0),
      ms(medians.serviceP50Ms ?? 0),
      ms(medians.serviceP99Ms ?? 0),
      n0.format(medians.bareBallotsPerSecond ?? 0),
      ms(medians.bareP50Ms ?? 0),
      ms(medians.bareP99Ms ?? 0),
      (medians.ratio ?? 0).toFixed(2),
      us(medians.backendUsPerBallot ?? null),
      us(medians.redisUsPerBallot ?? null),
    ]),
    "(ratio = service / bare ballots per second within the pair; backend and redis: CPU per ballot)",
    ...(result.paced
      ? [
          `open loop at ${n0.format(result.paced.rate)}/s (${result.paced.of}): ${n0.format(result.paced.achievedRate)}/s ` +
            `done, p50 ${ms(result.paced.p50Ms)} / p90 ${ms(result.paced.p90Ms)} / p99 ${ms(result.paced.p99Ms)} / ` +
            `max ${ms(result.paced.maxMs)} ms from each ballot's due time; backend ${us(result.paced.backendUsPerBallot)} µs, ` +
            `redis ${us(result.paced.redisUsPerBallot)} µs per ballot; generator late by ${ms(result.paced.maxSendLagMs)} ms at worst`,
        ]
      : []),
    result.redisBenchmark.ran
      ? `redis reference: ${result.redisBenchmark.note} → ${n0.format(result.redisBenchmark.setRps ?? 0)} SET/s` +
        (result.redisBenchmark.p50Ms === undefined ? "" : ` (p50 ${result.redisBenchmark.p50Ms} ms)`)
      : `redis reference: ${result.redisBenchmark.note}`,
    "",
    `cpu in cores (of ${machine.cpus}): before the run, other programs ${result.cpu.backgroundCores.toFixed(2)}; pair 1:`,
    ...(result.pairs[0]
      ? [
          cpuLine("service run", "backend", result.pairs[0].serviceCpu),
          cpuLine("bare run", "bare server", result.pairs[0].bareCpu),
        ]
      : []),
    ...result.pairs.flatMap((pair, index) =>
      pair.gc
        ? [
            `gc, service run ${index + 1}: ${pair.gc.scavenges} scavenges (survived ${n0.format(pair.gc.survivedKiB)} KiB, ` +
              `promoted ${n0.format(pair.gc.promotedKiB)} KiB, pause ${ms(pair.gc.pauseP50Ms)} ms: medians) and ` +
              `${pair.gc.fullCollections} full collections; pauses ${n0.format(pair.gc.pauseTotalMs)} ms in all, ` +
              `${ms(pair.gc.pauseMaxMs)} ms the longest, ${us((pair.gc.pauseTotalMs * 1000) / options.voters)} µs per ballot`,
          ]
        : [],
    ),
    "",
    ...[...result.pairs.map((pair) => pair.correctness), ...(result.paced ? [result.paced.correctness] : [])].map(
      (correctness) =>
        `correctness ${correctness.roundId}: ${correctness.answered201} answered 201 = leaderboard ` +
        `${correctness.totalBallots} = recount ${correctness.recountBallots} (matches=` +
        `${correctness.recountMatches}), per-option votes ${correctness.perOptionMatches ? "match" : "DIFFER"}`,
    ),
  ];
  if (result.warnings.length > 0) {
    lines.push("", "WARNINGS (figures less trustworthy):", ...result.warnings.map((warning) => `  - ${warning}`));
  }
  if (result.problems.length > 0) {
    lines.push("", "PROBLEMS:", ...result.problems.map((problem) => `  - ${problem}`));
  } else {
    lines.push("result: ok (every ballot 201; tally = 201s = recount in every round)");
  }
  return lines.join("\n");
}

await runMain(main, USAGE);
