/**
 * Ingest benchmark: how many ballots per second the real backend process accepts end to end (HTTP → Express →
 * one Lua script in Redis with the append-only file on), next to a bare node:http server driven by the same load
 * generator on the same machine, and redis-benchmark's SET rate on the same Redis as a second reference.
 *
 *   npm run bench:ingest -- [--voters 20000] [--concurrency 64] [--warmup 1000] [--seed 1] [--appendfsync always|everysec] [--json]
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
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { AppendFsync } from "@lb/backend";
import type { Leaderboard, RecountResult } from "@lb/common";
import {
  abortable,
  type Ballot,
  BUSY_MACHINE_CORES,
  ballotsFor,
  type CpuShare,
  checkQuietMachine,
  children,
  cpuLine,
  cpuShare,
  cpuSnapshot,
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
  percentile,
  postBallot,
  progress,
  reportNon201,
  runMain,
  sourceRevision,
  startBackend,
  startRedis,
  startServerChild,
  startTimeLimit,
  throwIfAborted,
  UsageError,
  wholeNumber,
} from "./bench-support.js";

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
  redisBenchmark: boolean;
  /** fsync policy of the private redis-server (ignored with REDIS_URL). */
  appendFsync: AppendFsync;
  /** Where the backend writes a V8 CPU profile (node --cpu-prof), if asked. */
  cpuProfDir: string | undefined;
}

const USAGE = `Usage: npm run bench:ingest -- [options]

  --voters N          ballots in the measured run, one per voter (default 20000)
  --concurrency N     requests in flight, each from a different voter (default 64)
  --warmup N          ballots sent to a separate warm-up round (and to the baseline) first (default 1000)
  --seed N            seed of the random ballots (default 1)
  --time-limit S      abort the whole run after S seconds (default 300)
  --json              print one machine-readable JSON line on stdout (the table goes to stderr)
  --limits on|off     the backend's VOTER_LIMITS (default off); on: TRUST_PROXY, and every voter mints and votes
                      from an X-Forwarded-For address in a /24 of its own, so the limits run but are not reached
  --redis-benchmark   also run redis-benchmark when REDIS_URL points to a Redis this script did not start
                      (it writes the key "key:__rand_int__" there)
  --appendfsync P     always|everysec: fsync policy of the private redis-server (default always, what npm start
                      runs; ignored with REDIS_URL)
  --cpu-prof DIR      start the backend with node --cpu-prof, writing its profile into DIR (open it in Chrome
                      DevTools or speedscope); the profiler slows the backend, so ignore that run's figures
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
      "redis-benchmark": { type: "boolean", default: false },
      appendfsync: { type: "string", default: "always" },
      "cpu-prof": { type: "string" },
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
    redisBenchmark: values["redis-benchmark"],
    appendFsync: appendFsyncFlag(values.appendfsync),
    cpuProfDir: values["cpu-prof"] === undefined ? undefined : path.resolve(values["cpu-prof"]),
  };
  if (values.limits !== "on" && values.limits !== "off") throw new UsageError("--limits must be on or off");
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
// The load generator: closed loop, `concurrency` workers over one keep-alive agent, one request per ballot.

interface LoadRun {
  count: number;
  elapsedMs: number;
  /** Per request, in ms, from just before `request()` to the response's last byte. */
  latencies: Float64Array;
  /** Status code (or TIMEOUT / ERR:<code>) → requests. */
  statuses: Map<string, number>;
  /** The first response body seen per non-201 outcome. */
  samples: Map<string, string>;
}

async function drive(
  agent: Agent,
  port: number,
  urlPath: string,
  ballots: readonly Ballot[],
  concurrency: number,
): Promise<LoadRun> {
  const latencies = new Float64Array(ballots.length);
  const statuses = new Map<string, number>();
  const samples = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      const ballot = ballots[index];
      if (ballot === undefined) return;
      const started = performance.now();
      const outcome = await postBallot(agent, port, urlPath, ballot, samples);
      latencies[index] = performance.now() - started;
      statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
      throwIfAborted();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, ballots.length) }, worker));
  return { count: ballots.length, elapsedMs: performance.now() - started, latencies, statuses, samples };
}

interface Figures {
  ballotsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  elapsedMs: number;
  non201: number;
  statuses: Record<string, number>;
}

function figures(run: LoadRun): Figures {
  const sorted = Float64Array.from(run.latencies).sort();
  const statuses = Object.fromEntries([...run.statuses].sort(([a], [b]) => a.localeCompare(b)));
  return {
    ballotsPerSecond: run.count / (run.elapsedMs / 1000),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    elapsedMs: run.elapsedMs,
    non201: run.count - (run.statuses.get("201") ?? 0),
    statuses,
  };
}

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
  totalBallots: number;
  perOptionMatches: boolean;
  recountMatches: boolean;
  recountBallots: number;
  ok: boolean;
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

  // 2. The real backend process.
  const limitsOn = options.limits === "on";
  const target = await startBackend(
    redisUrl,
    limitsOn ? { VOTER_LIMITS: "on", TRUST_PROXY: "true" } : {},
    options.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfDir] : [],
  );
  const { server: backend, port: backendPort, auth } = target;
  progress(`backend: node backend/dist/main.js listening on 127.0.0.1:${backendPort} (VOTER_LIMITS=${options.limits})`);
  const controlAgent = newAgent(options.concurrency);

  // 3. Rounds from the demo data: the measured one, and a warm-up one (so the measured round counts exactly V).
  const roundId = `bench-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const warmupRoundId = `${roundId}-warmup`;
  const roundIds = options.warmup > 0 ? [roundId, warmupRoundId] : [roundId];
  const round = await openDemoRound(controlAgent, target, roundId);
  if (options.warmup > 0) await openDemoRound(controlAgent, target, warmupRoundId);
  progress(
    `rounds: ${roundIds.join(", ")} open (${round.options.length} options, ` +
      `${round.rules.minChoices}..${round.rules.maxChoices} picks)`,
  );

  // 4. Voter tokens and ballots, made before anything is timed.
  const tokens = await mintVoters(controlAgent, backendPort, options.voters, options.concurrency, limitsOn);
  const optionIds = round.options.map((option) => option.id);
  const choices = makeChoices(options.voters, optionIds, round.rules.minChoices, round.rules.maxChoices, options.seed);
  const ballots = ballotsFor(tokens, choices, limitsOn);
  const expectedVotes = new Map<string, number>(optionIds.map((id) => [id, 0]));
  for (const picks of choices) for (const id of picks) expectedVotes.set(id, (expectedVotes.get(id) ?? 0) + 1);
  const warmupBallots = ballots.slice(0, options.warmup);
  const meanPicks = choices.reduce((sum, picks) => sum + picks.length, 0) / choices.length;
  const meanBodyBytes = ballots.reduce((sum, ballot) => sum + ballot.body.length, 0) / ballots.length;

  // 5. Warm up on the warm-up round (same voters, same bodies), then the measured run.
  const serviceAgent = newAgent(options.concurrency);
  if (warmupBallots.length > 0) {
    const warm = await drive(
      serviceAgent,
      backendPort,
      `/api/rounds/${warmupRoundId}/ballots`,
      warmupBallots,
      options.concurrency,
    );
    problems.push(...reportNon201("service warm-up", warm));
    progress(`service: warm-up ${warm.count} ballots in ${(warm.elapsedMs / 1000).toFixed(1)} s`);
  }
  const serviceCpuBefore = cpuSnapshot(backend.child.pid, redisPid);
  const serviceRun = await drive(
    serviceAgent,
    backendPort,
    `/api/rounds/${roundId}/ballots`,
    ballots,
    options.concurrency,
  );
  const serviceCpu = cpuShare(serviceCpuBefore, cpuSnapshot(backend.child.pid, redisPid));
  const service = figures(serviceRun);
  problems.push(...reportNon201("service", serviceRun));
  progress(`service: ${serviceRun.count} ballots in ${(serviceRun.elapsedMs / 1000).toFixed(1)} s`);

  // 8. Correctness: everything sent was counted once, and the live counters agree with the audit log. Asked as
  // the organiser, who sees votes whatever the round's resultsVisibility.
  const board = await expectJson<Leaderboard>(
    httpRequest(controlAgent, backendPort, "GET", `/api/rounds/${roundId}/leaderboard`, { headers: auth }),
    200,
    "GET leaderboard",
  );
  const recount = await expectJson<RecountResult>(
    httpRequest(controlAgent, backendPort, "GET", `/api/rounds/${roundId}/recount`, { headers: auth }),
    200,
    "GET recount",
  );
  const wrongOptions = board.entries.filter((entry) => entry.votes !== expectedVotes.get(entry.optionId));
  const correctness: Correctness = {
    totalBallots: board.totalBallots,
    perOptionMatches: wrongOptions.length === 0 && board.entries.length === optionIds.length,
    recountMatches: recount.matches,
    recountBallots: recount.ballots,
    ok: false,
  };
  correctness.ok =
    correctness.totalBallots === options.voters &&
    correctness.perOptionMatches &&
    correctness.recountMatches &&
    correctness.recountBallots === options.voters;
  if (correctness.totalBallots !== options.voters) {
    problems.push(`leaderboard totalBallots is ${correctness.totalBallots}, expected ${options.voters}`);
  }
  if (board.resultsHidden) {
    problems.push("the leaderboard hid its entries from the admin token (resultsHidden: true)");
  } else if (!correctness.perOptionMatches) {
    const first = wrongOptions
      .slice(0, 5)
      .map((entry) => `${entry.optionId}: ${entry.votes} (expected ${expectedVotes.get(entry.optionId)})`);
    problems.push(
      `leaderboard votes differ from what was sent for ${wrongOptions.length} options (${board.entries.length} ` +
        `entries): ${first.join(", ")}`,
    );
  }
  if (!correctness.recountMatches || correctness.recountBallots !== options.voters) {
    problems.push(
      `recount: matches=${recount.matches}, audit ballots ${recount.ballots}, live ballots ${recount.liveBallots}` +
        `, differences ${JSON.stringify(recount.differences.slice(0, 5))}`,
    );
  }
  serviceAgent.destroy();
  controlAgent.destroy();
  const backendUnexpected = backend.unexpectedExit;
  const backendExit = await backend.stop();
  if (backendUnexpected) problems.push(`backend exited during the run (${backendUnexpected})`);
  else if (backendExit !== "code 0") problems.push(`backend did not exit cleanly on SIGTERM (${backendExit})`);
  progress(
    `backend: stopped (${backendExit}); it printed ${backend.stdoutLines} stdout and ${backend.stderrLines} stderr lines`,
  );
  if (options.cpuProfDir) progress(`backend: CPU profile written to ${options.cpuProfDir}`);

  // 6. Baseline: bare node:http, same generator, same voters/concurrency/bodies.
  throwIfAborted();
  const barePort = await freePort();
  const bareServer = await startServerChild(
    "bare",
    ["--import", import.meta.resolve("tsx"), bareServerScript],
    { PORT: String(barePort), HOST: "127.0.0.1" },
    barePort,
  );
  const bareAgent = newAgent(options.concurrency);
  if (warmupBallots.length > 0) {
    const warm = await drive(
      bareAgent,
      barePort,
      `/api/rounds/${warmupRoundId}/ballots`,
      warmupBallots,
      options.concurrency,
    );
    problems.push(...reportNon201("bare warm-up", warm));
  }
  const bareCpuBefore = cpuSnapshot(bareServer.child.pid, redisPid);
  const bareRun = await drive(bareAgent, barePort, `/api/rounds/${roundId}/ballots`, ballots, options.concurrency);
  const bareCpu = cpuShare(bareCpuBefore, cpuSnapshot(bareServer.child.pid, redisPid));
  const bare = figures(bareRun);
  problems.push(...reportNon201("bare node:http", bareRun));
  progress(`bare node:http: ${bareRun.count} ballots in ${(bareRun.elapsedMs / 1000).toFixed(1)} s`);
  bareAgent.destroy();
  await bareServer.stop();

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

  // 9. Report.
  const cpus = os.cpus();
  const machine = {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
  const ratio = service.ballotsPerSecond / bare.ballotsPerSecond;
  for (const [label, share] of [
    ["service", serviceCpu],
    ["bare node:http", bareCpu],
  ] as const) {
    if (share.other !== null && share.other > BUSY_MACHINE_CORES) {
      warnings.push(`other programs used ${share.other.toFixed(2)} cores during the ${label} run`);
    }
  }
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
      limits: options.limits,
      redis: redisLabel,
    },
    ballots: { meanPicks, meanBodyBytes },
    service,
    bare,
    serviceToBareThroughput: ratio,
    redisBenchmark: redisReference,
    cpu: { backgroundCores: background, service: serviceCpu, bare: bareCpu },
    correctness,
    problems,
    warnings,
    ok: problems.length === 0,
  };

  const table = renderTable(result);
  if (options.json) {
    progress(table);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(`${table}\n`);
  }
  return result.ok ? 0 : 1;
}

function renderTable(result: {
  startedAt: string;
  revision: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string; memoryGiB: number };
  options: { voters: number; concurrency: number; warmup: number; seed: number; limits: string; redis: string };
  ballots: { meanPicks: number; meanBodyBytes: number };
  service: Figures;
  bare: Figures;
  serviceToBareThroughput: number;
  redisBenchmark: RedisReference;
  cpu: { backgroundCores: number; service: CpuShare; bare: CpuShare };
  correctness: Correctness;
  problems: string[];
  warnings: string[];
}): string {
  const n0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const ms = (value: number) => value.toFixed(1);
  const row = (cells: string[]) =>
    cells.map((cell, index) => (index === 0 ? cell.padEnd(24) : cell.padStart(11))).join("");
  const { machine, options, service, bare, correctness } = result;
  const lines = [
    "",
    `Ingest benchmark, ${result.startedAt}, source ${result.revision}`,
    `machine: node ${machine.node}, ${machine.platform}, ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB`,
    `run: ${options.voters} ballots (one per voter), concurrency ${options.concurrency}, warm-up ${options.warmup}, ` +
      `VOTER_LIMITS=${options.limits}, ` +
      `seed ${options.seed}, ${result.ballots.meanPicks.toFixed(1)} picks and ` +
      `${result.ballots.meanBodyBytes.toFixed(0)} body bytes per ballot on average`,
    `redis: ${options.redis}`,
    "",
    row(["", "ballots/s", "p50 ms", "p99 ms", "max ms", "non-201"]),
    row([
      "service (backend)",
      n0.format(service.ballotsPerSecond),
      ms(service.p50Ms),
      ms(service.p99Ms),
      ms(service.maxMs),
      String(service.non201),
    ]),
    row([
      "bare node:http",
      n0.format(bare.ballotsPerSecond),
      ms(bare.p50Ms),
      ms(bare.p99Ms),
      ms(bare.maxMs),
      String(bare.non201),
    ]),
    `service / bare throughput: ${result.serviceToBareThroughput.toFixed(2)}`,
    result.redisBenchmark.ran
      ? `redis reference: ${result.redisBenchmark.note} → ${n0.format(result.redisBenchmark.setRps ?? 0)} SET/s` +
        (result.redisBenchmark.p50Ms === undefined ? "" : ` (p50 ${result.redisBenchmark.p50Ms} ms)`)
      : `redis reference: ${result.redisBenchmark.note}`,
    "",
    `cpu in cores (of ${machine.cpus}): before the run, other programs ${result.cpu.backgroundCores.toFixed(2)}`,
    cpuLine("service run", "backend", result.cpu.service),
    cpuLine("bare run", "bare server", result.cpu.bare),
    "",
    `correctness: leaderboard totalBallots ${correctness.totalBallots} (expected ${options.voters}), per-option votes ` +
      `${correctness.perOptionMatches ? "match" : "DIFFER"}, recount matches=${correctness.recountMatches} ` +
      `(${correctness.recountBallots} audited)`,
  ];
  if (result.warnings.length > 0) {
    lines.push("", "WARNINGS (figures less trustworthy):", ...result.warnings.map((warning) => `  - ${warning}`));
  }
  if (result.problems.length > 0) {
    lines.push("", "PROBLEMS:", ...result.problems.map((problem) => `  - ${problem}`));
  } else {
    lines.push("result: ok (every request 201, counts verified)");
  }
  return lines.join("\n");
}

await runMain(main, USAGE);
