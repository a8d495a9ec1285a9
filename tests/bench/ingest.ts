/**
 * Ingest benchmark: how many ballots per second the real backend process accepts end to end (HTTP → Express →
 * one Lua script in Redis with the append-only file on), next to a bare node:http server driven by the same load
 * generator on the same machine, and redis-benchmark's SET rate on the same Redis as a second reference.
 *
 *   npm run bench:ingest -- [--voters 20000] [--concurrency 64] [--warmup 1000] [--seed 1] [--json]
 *
 * A benchmark, not a test: it prints figures. It is bounded in count (--voters) and time (--time-limit), sends
 * traffic only to 127.0.0.1 (or to REDIS_URL), and stops every child process it started, also on error and
 * Ctrl-C. BENCHMARKS.md at the repository root explains the method and records results.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, type IncomingHttpHeaders, request } from "node:http";
import { createServer as createNetServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startRedisServer } from "@lb/backend";
import type { Leaderboard, RecountResult, RoundCreateInput, RoundView, VoterTokenResponse } from "@lb/common";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const backendMain = path.join(repoRoot, "backend", "dist", "main.js");
const bareServerScript = fileURLToPath(new URL("./bare-server.ts", import.meta.url));
const demoRoundFile = path.join(repoRoot, "backend", "data", "qingdao-customs-2021.json");

/** How long a child server may take to print its `listening on` line. */
const STARTUP_TIMEOUT_MS = 30_000;
/** How long a child may take to exit after SIGTERM before it gets SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;
/** One request that takes longer than this counts as failed (status `TIMEOUT`). */
const REQUEST_TIMEOUT_MS = 30_000;
/** More background CPU than this (in cores) earns a warning that the figures are not from a quiet machine. */
const BUSY_MACHINE_CORES = 0.2;
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
  redisBenchmark: boolean;
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
  --redis-benchmark   also run redis-benchmark when REDIS_URL points to a Redis this script did not start
                      (it writes the key "key:__rand_int__" there)
  --cpu-prof DIR      start the backend with node --cpu-prof, writing its profile into DIR (open it in Chrome
                      DevTools or speedscope); the profiler slows the backend, so ignore that run's figures
  --help              this text

Environment: REDIS_URL (default: a private redis-server from PATH, append-only file on, in a temp dir).`;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      voters: { type: "string", default: "20000" },
      concurrency: { type: "string" },
      warmup: { type: "string" },
      seed: { type: "string", default: "1" },
      "time-limit": { type: "string", default: "300" },
      json: { type: "boolean", default: false },
      "redis-benchmark": { type: "boolean", default: false },
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
  const int = (name: string, raw: string, min: number, max: number): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  const voters = int("voters", values.voters, 1, 1_000_000);
  const options: Options = {
    voters,
    // The defaults shrink to fit a small --voters; explicit values must fit.
    concurrency: int("concurrency", values.concurrency ?? String(Math.min(64, voters)), 1, 4096),
    warmup: int("warmup", values.warmup ?? String(Math.min(1000, voters)), 0, voters),
    seed: int("seed", values.seed, 0, 2 ** 31 - 1),
    timeLimitS: int("time-limit", values["time-limit"], 10, 3600),
    json: values.json,
    redisBenchmark: values["redis-benchmark"],
    cpuProfDir: values["cpu-prof"] === undefined ? undefined : path.resolve(values["cpu-prof"]),
  };
  if (options.concurrency > options.voters) {
    throw new UsageError(`--concurrency (${options.concurrency}) must not exceed --voters (${options.voters})`);
  }
  return options;
}

class UsageError extends Error {}
class TimeLimitError extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Clean-up and interruption: every resource registers its release right after it is acquired; releases run in
// reverse order exactly once, whether the run ends normally, fails, hits the time limit or is interrupted.

const cleanups: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> | undefined;
const children = new Set<ChildProcess>();
const controller = new AbortController();
const { signal } = controller;

function onCleanup(release: () => Promise<void> | void): void {
  cleanups.push(release);
}

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const release of cleanups.reverse()) {
      try {
        await release();
      } catch (error) {
        progress(`clean-up step failed: ${describeError(error)}`);
      }
    }
  })();
  return cleaning;
}

function onSignal(name: NodeJS.Signals): void {
  if (!signal.aborted) {
    progress(`\n${name}: stopping and cleaning up (send it again to kill at once)`);
    controller.abort(new Error(`interrupted by ${name}`));
    return;
  }
  for (const child of children) child.kill("SIGKILL");
  process.exit(130);
}

function throwIfAborted(): void {
  if (signal.aborted) throw signal.reason;
}

/** Races a promise against the abort signal (the promise itself keeps running; its clean-up is registered). */
function abortable<T>(promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Output: progress always goes to stderr; the results table to stdout (stderr with --json, whose line is stdout's
// only content).

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes

interface ServerChild {
  name: string;
  child: ChildProcess;
  port: number;
  /** The last lines it printed (both streams), for error reports. */
  tail: string[];
  stdoutLines: number;
  stderrLines: number;
  /** Set when it exited before we asked it to. */
  unexpectedExit?: string;
  stop(): Promise<string>;
}

const TAIL_LINES = 40;
const ECHOED_STDERR_LINES = 20;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port")),
      );
    });
  });
}

function onLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let partial = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) onLine(line.replace(/\r$/, ""));
  });
  stream.on("end", () => {
    if (partial) onLine(partial);
  });
}

/**
 * Spawns a server, keeps draining its output (a full pipe would stall it), echoes its first stderr lines, and
 * resolves once it prints `listening on`.
 */
async function startServerChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  port: number,
): Promise<ServerChild> {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stopping = false;
  let exitDescription: string | undefined;
  let markExited: (how: string) => void = () => {};
  const exited = new Promise<string>((resolve) => {
    markExited = (how) => {
      if (exitDescription) return;
      children.delete(child);
      exitDescription = how;
      if (!stopping) server.unexpectedExit = how;
      resolve(how);
    };
  });
  child.once("exit", (code, exitSignal) => markExited(exitSignal ? `signal ${exitSignal}` : `code ${code}`));
  const server: ServerChild = {
    name,
    child,
    port,
    tail: [],
    stdoutLines: 0,
    stderrLines: 0,
    async stop() {
      if (exitDescription) return exitDescription;
      stopping = true;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
  };
  onCleanup(async () => {
    await server.stop();
  });
  const remember = (line: string) => {
    server.tail.push(line);
    if (server.tail.length > TAIL_LINES) server.tail.shift();
  };
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not print "listening on" within ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
    onLines(child.stdout, (line) => {
      server.stdoutLines += 1;
      remember(line);
      if (line.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // A process that could not be spawned emits "error" and never "exit".
    child.once("error", () => {
      if (child.pid === undefined) markExited("spawn failed");
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${how}) before it was listening:\n${server.tail.join("\n")}`));
    });
  });
  onLines(child.stderr, (line) => {
    server.stderrLines += 1;
    remember(line);
    if (server.stderrLines <= ECHOED_STDERR_LINES) progress(`  [${name} stderr] ${line}`);
    else if (server.stderrLines === ECHOED_STDERR_LINES + 1) progress(`  [${name} stderr] … (further lines not shown)`);
  });
  await abortable(listening);
  return server;
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A keep-alive agent for one target; aborting the run destroys its sockets, which fails the requests in flight. */
function newAgent(maxSockets: number): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const onAbort = () => agent.destroy();
  signal.addEventListener("abort", onAbort, { once: true });
  onCleanup(() => {
    signal.removeEventListener("abort", onAbort);
    agent.destroy();
  });
  return agent;
}

function httpRequest(
  agent: Agent,
  port: number,
  method: string,
  urlPath: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const req = request(
      {
        agent,
        host: "127.0.0.1",
        port,
        method,
        path: urlPath,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          accept: "application/json",
          ...(body ? { "content-type": "application/json", "content-length": String(body.length) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} timed out after ${REQUEST_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

async function expectJson<T>(result: Promise<HttpResult>, expectedStatus: number, what: string): Promise<T> {
  const { status, body } = await result;
  if (status !== expectedStatus) {
    throw new Error(`${what}: expected HTTP ${expectedStatus}, got ${status}: ${body.toString("utf8").slice(0, 500)}`);
  }
  return JSON.parse(body.toString("utf8")) as T;
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      throwIfAborted();
      const index = next++;
      if (index >= count) return;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

// ---------------------------------------------------------------------------------------------------------------
// The load generator: closed loop, `concurrency` workers over one keep-alive agent, one request per ballot.

interface Ballot {
  token: string;
  body: Buffer;
}

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

function postBallot(
  agent: Agent,
  port: number,
  urlPath: string,
  ballot: Ballot,
  samples: Map<string, string>,
): Promise<string> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: string, sample?: string) => {
      if (settled) return;
      settled = true;
      if (sample !== undefined && !samples.has(outcome)) samples.set(outcome, sample.slice(0, 300));
      resolve(outcome);
    };
    const req = request(
      {
        agent,
        host: "127.0.0.1",
        port,
        method: "POST",
        path: urlPath,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          "content-type": "application/json",
          "content-length": String(ballot.body.length),
          "x-voter-token": ballot.token,
        },
      },
      (res) => {
        const status = String(res.statusCode ?? 0);
        if (status === "201") {
          res.on("end", () => settle(status));
          res.on("error", (error: NodeJS.ErrnoException) => settle(`ERR:${error.code ?? error.message}`));
          res.resume();
          return;
        }
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => settle(status, Buffer.concat(chunks).toString("utf8")));
        res.on("error", (error: NodeJS.ErrnoException) => settle(`ERR:${error.code ?? error.message}`));
      },
    );
    req.on("timeout", () => {
      settle("TIMEOUT");
      req.destroy();
    });
    req.on("error", (error: NodeJS.ErrnoException) => settle(`ERR:${error.code ?? error.message}`, error.message));
    req.end(ballot.body);
  });
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

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
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

function reportNon201(label: string, run: LoadRun): string[] {
  const problems: string[] = [];
  for (const [outcome, count] of run.statuses) {
    if (outcome === "201") continue;
    const sample = run.samples.get(outcome);
    problems.push(`${label}: ${count} × ${outcome}${sample ? ` — first body: ${sample}` : ""}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// CPU accounting: where the cores went during a measured run. The machine-wide figure comes from os.cpus(); the
// per-process figures from /proc/<pid>/stat (Linux; elsewhere they are null).

interface CpuSnapshot {
  at: number;
  machineBusyMs: number;
  generator: NodeJS.CpuUsage;
  server: number | undefined;
  redis: number | undefined;
}

/** Cores kept busy on average (1.0 = one core all the time). */
interface CpuShare {
  machine: number;
  generator: number;
  server: number | null;
  redis: number | null;
  /** Everything else on the machine: other programs, the kernel's share not billed to these processes. */
  other: number | null;
}

/** Clock ticks per second of /proc/<pid>/stat; 100 on every common Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;

function machineBusyMs(): number {
  let busy = 0;
  for (const { times } of os.cpus()) busy += times.user + times.nice + times.sys + times.irq;
  return busy;
}

function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm) ": state is field 3, utime 14 and stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The pid of our private redis-server (it names itself "redis-server 127.0.0.1:<port>"), if /proc tells. */
function findRedisPid(port: number): number | undefined {
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
        if (cmdline.startsWith("redis-server") && cmdline.includes(`:${port}`)) return Number(entry);
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    // No /proc.
  }
  return undefined;
}

function cpuSnapshot(serverPid: number | undefined, redisPid: number | undefined): CpuSnapshot {
  return {
    at: performance.now(),
    machineBusyMs: machineBusyMs(),
    generator: process.cpuUsage(),
    server: processCpuMs(serverPid),
    redis: processCpuMs(redisPid),
  };
}

function cpuShare(before: CpuSnapshot, after: CpuSnapshot): CpuShare {
  const elapsed = after.at - before.at;
  const cores = (ms: number) => ms / elapsed;
  const delta = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? null : cores(b - a);
  const generatorUs = after.generator.user - before.generator.user + (after.generator.system - before.generator.system);
  const share: CpuShare = {
    machine: cores(after.machineBusyMs - before.machineBusyMs),
    generator: cores(generatorUs / 1000),
    server: delta(before.server, after.server),
    redis: delta(before.redis, after.redis),
    other: null,
  };
  // Unknown when a process could not be measured (no /proc, or a REDIS_URL Redis whose CPU would land in "other").
  if (share.server !== null && share.redis !== null) {
    share.other = Math.max(0, share.machine - share.generator - share.server - (share.redis ?? 0));
  }
  return share;
}

/** How many cores other programs keep busy while we do nothing, over one second. */
async function backgroundCores(): Promise<number> {
  const before = cpuSnapshot(undefined, undefined);
  await abortable(new Promise((resolve) => setTimeout(resolve, 1000)));
  const after = cpuSnapshot(undefined, undefined);
  return Math.max(
    0,
    (after.machineBusyMs - before.machineBusyMs) / (after.at - before.at) - cpuShare(before, after).generator,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Ballots: seeded so that two runs send the same picks.

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` ballots of minChoices..maxChoices distinct option ids each, uniformly. */
function makeChoices(count: number, optionIds: readonly string[], min: number, max: number, seed: number) {
  const random = mulberry32(seed);
  const ids = [...optionIds];
  const ballots: string[][] = [];
  for (let i = 0; i < count; i += 1) {
    const picks = min + Math.floor(random() * (max - min + 1));
    // Partial Fisher–Yates: the first `picks` slots become a uniform random subset.
    for (let slot = 0; slot < picks; slot += 1) {
      const other = slot + Math.floor(random() * (ids.length - slot));
      const held = ids[slot] as string;
      ids[slot] = ids[other] as string;
      ids[other] = held;
    }
    ballots.push(ids.slice(0, picks));
  }
  return ballots;
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
  const args = ["-u", redisUrl, ...REDIS_BENCHMARK_ARGS];
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

/** The commit the backend was built from, `+dirty` when backend/ or common/ have uncommitted changes. */
function sourceRevision(): string {
  try {
    const git = (args: string[]) =>
      execFileSync("git", args, { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const head = git(["rev-parse", "--short", "HEAD"]);
    const dirty = git(["status", "--porcelain", "--untracked-files=no", "--", "backend", "common"]);
    return dirty ? `${head}+dirty` : head;
  } catch {
    return "unknown";
  }
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
  const timeLimit = setTimeout(
    () => controller.abort(new TimeLimitError(`time limit of ${options.timeLimitS} s reached (--time-limit)`)),
    options.timeLimitS * 1000,
  );
  timeLimit.unref();
  onCleanup(() => clearTimeout(timeLimit));
  const startedAt = new Date();
  const revision = sourceRevision();
  const problems: string[] = [];
  /** Reasons to distrust the figures that do not make the run fail. */
  const warnings: string[] = [];
  const background = await backgroundCores();
  progress(`machine: other programs kept ${background.toFixed(2)} of ${os.cpus().length} cores busy over 1 s`);
  if (background > BUSY_MACHINE_CORES) {
    warnings.push(
      `other programs kept ${background.toFixed(2)} cores busy just before the run: the machine is not quiet`,
    );
  }

  // 1. Redis: REDIS_URL, or a private redis-server (append-only file, fsync every second) in a temp dir.
  let redisUrl = process.env.REDIS_URL;
  let ownRedis = false;
  let redisPid: number | undefined;
  if (!redisUrl) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "lb-bench-"));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const starting = startRedisServer({ dir, appendOnly: true });
    onCleanup(async () => {
      const started = await starting.catch(() => undefined);
      await started?.stop();
    });
    const redis = await abortable(starting);
    redisUrl = redis.url;
    ownRedis = true;
    redisPid = findRedisPid(redis.port);
    progress(`redis: private redis-server on port ${redis.port} (appendonly yes, appendfsync everysec) in ${dir}`);
  } else {
    progress("redis: REDIS_URL from the environment");
  }

  // 2. The real backend process.
  const adminToken = randomBytes(24).toString("base64url");
  const auth = { authorization: `Bearer ${adminToken}` };
  const backendPort = await freePort();
  const backend = await startServerChild(
    "backend",
    options.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfDir, backendMain] : [backendMain],
    {
      PORT: String(backendPort),
      HOST: "127.0.0.1",
      REDIS_URL: redisUrl,
      ADMIN_TOKEN: adminToken,
      VOTER_TOKEN_SECRET: randomBytes(32).toString("hex"),
      // Keep the store free of the demo round when it is someone's REDIS_URL.
      SEED_DEMO: "false",
    },
    backendPort,
  );
  progress(`backend: node backend/dist/main.js listening on 127.0.0.1:${backendPort}`);
  const controlAgent = newAgent(options.concurrency);

  // 3. Rounds from the demo data: the measured one, and a warm-up one (so the measured round counts exactly V).
  const demo = JSON.parse(readFileSync(demoRoundFile, "utf8")) as RoundCreateInput;
  const roundId = `bench-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const warmupRoundId = `${roundId}-warmup`;
  const roundIds = options.warmup > 0 ? [roundId, warmupRoundId] : [roundId];
  let round: RoundView | undefined;
  for (const id of roundIds) {
    const created = await expectJson<RoundView>(
      httpRequest(controlAgent, backendPort, "POST", "/api/rounds", {
        headers: auth,
        body: JSON.stringify({ ...demo, id }),
      }),
      201,
      `POST /api/rounds (${id})`,
    );
    await expectJson<RoundView>(
      httpRequest(controlAgent, backendPort, "POST", `/api/rounds/${id}/open`, { headers: auth }),
      200,
      `POST /api/rounds/${id}/open`,
    );
    round ??= created;
  }
  if (!round) throw new Error("no round was created");
  progress(
    `rounds: ${roundIds.join(", ")} open (${round.options.length} options, ` +
      `${round.rules.minChoices}..${round.rules.maxChoices} picks)`,
  );

  // 4. Voter tokens and ballots, made before anything is timed.
  const mintStarted = performance.now();
  const tokens: string[] = new Array<string>(options.voters);
  await pool(options.voters, options.concurrency, async (index) => {
    const { token } = await expectJson<VoterTokenResponse>(
      httpRequest(controlAgent, backendPort, "POST", "/api/voters"),
      200,
      "POST /api/voters",
    );
    tokens[index] = token;
  });
  progress(`voters: minted ${options.voters} tokens in ${((performance.now() - mintStarted) / 1000).toFixed(1)} s`);
  const optionIds = round.options.map((option) => option.id);
  const choices = makeChoices(options.voters, optionIds, round.rules.minChoices, round.rules.maxChoices, options.seed);
  const ballots: Ballot[] = choices.map((picks, index) => ({
    token: tokens[index] as string,
    body: Buffer.from(JSON.stringify({ choices: picks, idempotencyKey: randomUUID() })),
  }));
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
      redis: ownRedis ? "private redis-server, appendonly yes (everysec)" : "REDIS_URL",
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

function cpuLine(label: string, serverName: string, share: CpuShare): string {
  const cores = (value: number | null) => (value === null ? "n/a" : value.toFixed(2));
  return (
    `  ${label}: machine ${cores(share.machine)} = load generator ${cores(share.generator)} + ${serverName} ` +
    `${cores(share.server)} + redis ${cores(share.redis)} + other ${cores(share.other)}`
  );
}

function renderTable(result: {
  startedAt: string;
  revision: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string; memoryGiB: number };
  options: { voters: number; concurrency: number; warmup: number; seed: number; redis: string };
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

process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  if (error instanceof UsageError) {
    progress(`${error.message}\n\n${USAGE}`);
    exitCode = 2;
  } else if (signal.aborted) {
    // In-flight requests fail with their own AbortError; the reason says why the run stopped.
    progress(`aborted: ${describeError(signal.reason)}`);
    exitCode = signal.reason instanceof TimeLimitError ? 1 : 130;
  } else {
    progress(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    exitCode = 1;
  }
} finally {
  await cleanup();
}
process.exit(exitCode);
