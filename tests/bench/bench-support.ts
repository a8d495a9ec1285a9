/**
 * What the benchmarks in this folder share (ingest.ts, fanout.ts): clean-up on every way out, child servers that
 * announce `listening on`, a tiny HTTP client, the ballot POST, seeded ballots, CPU accounting from /proc, the
 * private Redis, and the run wrapper that maps errors and signals to exit codes. Moved here from ingest.ts
 * unchanged, so both scripts behave alike.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, type IncomingHttpHeaders, request } from "node:http";
import { createServer as createNetServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { type AppendFsync, startRedisServer } from "@lb/backend";
import type { RoundCreateInput, RoundView, TicketBatchCreated, VoterTokenResponse } from "@lb/common";
import { seededRandom } from "../support/rounds.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const backendMain = path.join(repoRoot, "backend", "dist", "main.js");
export const demoRoundFile = path.join(repoRoot, "backend", "data", "qingdao-customs-2021.json");

/** How long a child server may take to print its `listening on` line. */
export const STARTUP_TIMEOUT_MS = 30_000;
/** How long a child may take to exit after SIGTERM before it gets SIGKILL. */
export const STOP_TIMEOUT_MS = 5_000;
/** One request that takes longer than this counts as failed (status `TIMEOUT`). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** More background CPU than this (in cores) earns a warning that the figures are not from a quiet machine. */
export const BUSY_MACHINE_CORES = 0.2;

export class UsageError extends Error {}

/** Runs a flag parser, turning parseArgs's own errors (unknown flag, missing value) into usage errors too. */
export function parsingFlags<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code?.startsWith("ERR_PARSE_ARGS_"))
      throw new UsageError(error instanceof Error ? error.message : String(error));
    throw error;
  }
}
export class TimeLimitError extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Clean-up and interruption: every resource registers its release right after it is acquired; releases run in
// reverse order exactly once, whether the run ends normally, fails, hits the time limit or is interrupted.

const cleanups: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> | undefined;
export const children = new Set<ChildProcess>();
export const controller = new AbortController();
export const { signal } = controller;

export function onCleanup(release: () => Promise<void> | void): void {
  cleanups.push(release);
}

export function cleanup(): Promise<void> {
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

/**
 * A signal this soon after the first one is the same Ctrl-C arriving by a second route, not a second Ctrl-C: the
 * terminal sends SIGINT to the whole process group, and tsx's CLI (`npm run bench:*` runs `tsx bench/….ts`)
 * relays it to this process again when this process has not told it within 30 ms that it got it, which a busy
 * event loop does not. Taken as "kill at once", it skipped the clean-up and left the temp dir behind.
 */
const SAME_SIGNAL_WINDOW_MS = 1000;
let firstSignalAt: number | undefined;

export function onSignal(name: NodeJS.Signals): void {
  if (!signal.aborted) {
    firstSignalAt = performance.now();
    progress(`\n${name}: stopping and cleaning up (send it again to kill at once)`);
    controller.abort(new Error(`interrupted by ${name}`));
    return;
  }
  if (firstSignalAt !== undefined && performance.now() - firstSignalAt < SAME_SIGNAL_WINDOW_MS) return;
  for (const child of children) child.kill("SIGKILL");
  process.exit(130);
}

export function throwIfAborted(): void {
  if (signal.aborted) throw signal.reason;
}

/** Races a promise against the abort signal (the promise itself keeps running; its clean-up is registered). */
export function abortable<T>(promise: Promise<T>): Promise<T> {
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

export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The report: the table on stdout, or with `--json` one JSON line on stdout and the table on stderr. */
export function writeReport(table: string, result: unknown, json: boolean): void {
  if (json) {
    progress(table);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(`${table}\n`);
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes

export interface ServerChild {
  name: string;
  child: ChildProcess;
  port: number;
  /** The last lines it printed (both streams), for error reports. */
  tail: string[];
  stdoutLines: number;
  stderrLines: number;
  /** Set when it exited before we asked it to. */
  unexpectedExit?: string;
  /** Called with each stdout line, when set (the benches' --gc read V8's GC trace from it: gc-trace.ts). */
  onStdout?: (line: string) => void;
  stop(): Promise<string>;
}

const TAIL_LINES = 40;
const ECHOED_STDERR_LINES = 20;

export async function freePort(): Promise<number> {
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

export function onLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
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
export async function startServerChild(
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
      server.onStdout?.(line);
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

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A keep-alive agent for one target; aborting the run destroys its sockets, which fails the requests in flight. */
export function newAgent(maxSockets: number): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const onAbort = () => agent.destroy();
  signal.addEventListener("abort", onAbort, { once: true });
  onCleanup(() => {
    signal.removeEventListener("abort", onAbort);
    agent.destroy();
  });
  return agent;
}

export function httpRequest(
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

export async function expectJson<T>(result: Promise<HttpResult>, expectedStatus: number, what: string): Promise<T> {
  const { status, body } = await result;
  if (status !== expectedStatus) {
    throw new Error(`${what}: expected HTTP ${expectedStatus}, got ${status}: ${body.toString("utf8").slice(0, 500)}`);
  }
  return JSON.parse(body.toString("utf8")) as T;
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
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

export interface Ballot {
  token: string;
  body: Buffer;
  /** Sent as `X-Forwarded-For` when set (limits-on scenario). */
  address?: string;
}

export function postBallot(
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
          ...(ballot.address ? { "x-forwarded-for": ballot.address } : {}),
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

export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** What a series of requests got back: status code (or TIMEOUT / ERR:<code>) → count, and a body per outcome. */
export interface Outcomes {
  statuses: Map<string, number>;
  /** The first response body seen per non-201 outcome. */
  samples: Map<string, string>;
}

export function reportNon201(label: string, run: Outcomes): string[] {
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

export interface CpuSnapshot {
  at: number;
  machineBusyMs: number;
  generator: NodeJS.CpuUsage;
  /** Ended children's CPU: a load generator run as a child (wrk) is reaped before the snapshot after the run. */
  reapedMs: number;
  /** Live load-generator children (the fan-out bench's watcher and sender processes), with their descendants. */
  generatorChildrenMs: number;
  server: number | undefined;
  redis: number | undefined;
}

/** Cores kept busy on average (1.0 = one core all the time). */
export interface CpuShare {
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

/** Fields of /proc/<pid>/stat after "(comm) ": [0] is state (field 3), [1] ppid, [11] utime, [12] stime, [13] cutime. */
function statFields(pid: number | "self"): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

const ticksToMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND;

/**
 * CPU of a process and all its descendants (a backend with WORKERS > 1 is a cluster primary and its workers), in
 * ms; undefined when the process cannot be read.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const own = statFields(pid);
  if (!own) return undefined;
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    parents.set(Number(entry), Number(fields[1]));
    cpu.set(Number(entry), ticksToMs(Number(fields[11]) + Number(fields[12])));
  }
  let total = 0;
  for (const [candidate, ms] of cpu) {
    for (let at: number | undefined = candidate; at !== undefined && at > 1; at = parents.get(at)) {
      if (at === pid) {
        total += ms;
        break;
      }
    }
  }
  return total;
}

/** CPU of this process's children that have ended and been waited for (the wrk runs), in ms; 0 without /proc. */
function reapedChildrenCpuMs(): number {
  const fields = statFields("self");
  return fields ? ticksToMs(Number(fields[13]) + Number(fields[14])) : 0;
}

/** The pid of our private redis-server (it names itself "redis-server 127.0.0.1:<port>"), if /proc tells. */
export function findRedisPid(port: number): number | undefined {
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

/** `serverPid`: the server process, or several (the fan-out bench's ROLE=ingest and ROLE=live backends), summed. */
export function cpuSnapshot(
  serverPid: number | readonly (number | undefined)[] | undefined,
  redisPid: number | undefined,
  generatorPids: readonly number[] = [],
): CpuSnapshot {
  return {
    at: performance.now(),
    machineBusyMs: machineBusyMs(),
    generator: process.cpuUsage(),
    reapedMs: reapedChildrenCpuMs(),
    generatorChildrenMs: generatorPids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? 0), 0),
    server: Array.isArray(serverPid)
      ? serverPid.reduce<number | undefined>((sum, pid) => {
          const ms = processCpuMs(pid);
          return sum === undefined || ms === undefined ? undefined : sum + ms;
        }, 0)
      : processCpuMs(serverPid as number | undefined),
    redis: processCpuMs(redisPid),
  };
}

export function cpuShare(before: CpuSnapshot, after: CpuSnapshot): CpuShare {
  const elapsed = after.at - before.at;
  const cores = (ms: number) => ms / elapsed;
  const delta = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? null : cores(b - a);
  const generatorUs = after.generator.user - before.generator.user + (after.generator.system - before.generator.system);
  const share: CpuShare = {
    machine: cores(after.machineBusyMs - before.machineBusyMs),
    generator: cores(
      generatorUs / 1000 + after.reapedMs - before.reapedMs + after.generatorChildrenMs - before.generatorChildrenMs,
    ),
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
export async function backgroundCores(): Promise<number> {
  const before = cpuSnapshot(undefined, undefined);
  await abortable(new Promise((resolve) => setTimeout(resolve, 1000)));
  const after = cpuSnapshot(undefined, undefined);
  return Math.max(
    0,
    (after.machineBusyMs - before.machineBusyMs) / (after.at - before.at) - cpuShare(before, after).generator,
  );
}

/** Measures how busy the machine is before a run; adds a warning when other programs keep it busy. */
export async function checkQuietMachine(warnings: string[]): Promise<number> {
  const background = await backgroundCores();
  progress(`machine: other programs kept ${background.toFixed(2)} of ${os.cpus().length} cores busy over 1 s`);
  if (background > BUSY_MACHINE_CORES) {
    warnings.push(
      `other programs kept ${background.toFixed(2)} cores busy just before the run: the machine is not quiet`,
    );
  }
  return background;
}

// ---------------------------------------------------------------------------------------------------------------
// The service under test

export interface BenchBackend {
  server: ServerChild;
  port: number;
  /** The organiser's Authorization header. */
  auth: Record<string, string>;
}

/**
 * The real backend process (`node backend/dist/main.js`) on a free port, with random secrets; on a Redis Cluster
 * when `env` names REDIS_CLUSTER_NODES (then `redisUrl` is not used).
 */
export async function startBackend(
  redisUrl: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<BenchBackend> {
  // Backends that share a Redis share their secrets: pass ADMIN_TOKEN and VOTER_TOKEN_SECRET in `env`.
  const adminToken = env.ADMIN_TOKEN ?? randomBytes(24).toString("base64url");
  const port = await freePort();
  const server = await startServerChild(
    "backend",
    [...nodeArgs, backendMain],
    {
      PORT: String(port),
      HOST: "127.0.0.1",
      ...(env.REDIS_CLUSTER_NODES ? {} : { REDIS_URL: redisUrl }),
      VOTER_TOKEN_SECRET: randomBytes(32).toString("hex"),
      // Keep the store free of the demo round when it is someone's REDIS_URL.
      SEED_DEMO: "false",
      // Every bench voter comes from 127.0.0.1: the per-IP limits are off unless a scenario turns them on.
      VOTER_LIMITS: "off",
      ...env,
      ADMIN_TOKEN: adminToken,
    },
    port,
  );
  return { server, port, auth: { authorization: `Bearer ${adminToken}` } };
}

/** Creates a round from the demo data with this id and opens it, as the organiser (a tickets round if asked). */
export async function openDemoRound(
  agent: Agent,
  backend: BenchBackend,
  id: string,
  electorate: "open" | "tickets" = "open",
): Promise<RoundView> {
  const demo = JSON.parse(readFileSync(demoRoundFile, "utf8")) as RoundCreateInput;
  const round = await expectJson<RoundView>(
    httpRequest(agent, backend.port, "POST", "/api/rounds", {
      headers: backend.auth,
      body: JSON.stringify({ ...demo, id, rules: { ...demo.rules, electorate } }),
    }),
    201,
    `POST /api/rounds (${id})`,
  );
  await expectJson<RoundView>(
    httpRequest(agent, backend.port, "POST", `/api/rounds/${id}/open`, { headers: backend.auth }),
    200,
    `POST /api/rounds/${id}/open`,
  );
  return round;
}

/**
 * A client address of its own for voter `index` (as `X-Forwarded-For`, for a backend with TRUST_PROXY): each in a
 * /24 of its own too, so per-IP and per-network limits are exercised but never reached.
 */
export function voterAddress(index: number): string {
  return `${10 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}.1`;
}

/**
 * `count` voter tokens from `POST /api/voters` (made before anything is timed); with `addresses`, voter i asks
 * from `voterAddress(i)`.
 */
export async function mintVoters(
  agent: Agent,
  port: number,
  count: number,
  concurrency: number,
  addresses = false,
): Promise<string[]> {
  const started = performance.now();
  const tokens: string[] = new Array<string>(count);
  await pool(count, concurrency, async (index) => {
    const headers: Record<string, string> = addresses ? { "x-forwarded-for": voterAddress(index) } : {};
    const { token } = await expectJson<VoterTokenResponse>(
      httpRequest(agent, port, "POST", "/api/voters", { headers }),
      200,
      "POST /api/voters",
    );
    tokens[index] = token;
  });
  progress(`voters: minted ${count} tokens in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return tokens;
}

/**
 * One request body per voter: its picks and a fresh idempotency key (and its own address, with `addresses`).
 * With `tickets` (a tickets round) voter i sends ticket i in the body and no token.
 */
export function ballotsFor(
  tokens: readonly string[],
  choices: readonly string[][],
  addresses = false,
  tickets?: readonly string[],
): Ballot[] {
  return choices.map((picks, index) => ({
    token: tickets ? "" : (tokens[index] as string),
    body: Buffer.from(
      JSON.stringify({
        choices: picks,
        idempotencyKey: randomUUID(),
        ...(tickets ? { ticket: tickets[index] as string } : {}),
      }),
    ),
    ...(addresses ? { address: voterAddress(index) } : {}),
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Ballots: seeded so that two runs send the same picks.

/** `count` ballots of minChoices..maxChoices distinct option ids each, uniformly. */
export function makeChoices(count: number, optionIds: readonly string[], min: number, max: number, seed: number) {
  const random = seededRandom(seed);
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

/** The commit the backend was built from, `+dirty` when backend/ or common/ have uncommitted changes. */
export function sourceRevision(): string {
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

export function cpuLine(label: string, serverName: string, share: CpuShare): string {
  const cores = (value: number | null) => (value === null ? "n/a" : value.toFixed(2));
  return (
    `  ${label}: machine ${cores(share.machine)} = load generator ${cores(share.generator)} + ${serverName} ` +
    `${cores(share.server)} + redis ${cores(share.redis)} + other ${cores(share.other)}`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Options, the time limit, Redis and the run wrapper

/** A whole number flag within [min, max], or a UsageError that names it. */
export function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Aborts the run (a TimeLimitError) after `seconds`. */
export function startTimeLimit(seconds: number): void {
  const timeLimit = setTimeout(
    () => controller.abort(new TimeLimitError(`time limit of ${seconds} s reached (--time-limit)`)),
    seconds * 1000,
  );
  timeLimit.unref();
  onCleanup(() => clearTimeout(timeLimit));
}

export interface BenchRedis {
  url: string;
  /** Started by this script (a private redis-server), so its CPU is measured and it may be written to freely. */
  own: boolean;
  pid: number | undefined;
  /** How it was described for the report: the private server's settings, or "REDIS_URL". */
  label: string;
}

/**
 * REDIS_URL, or a private redis-server in a temp dir, removed at the end, with the append-only file on and fsynced
 * as asked (default `always`, what `npm start` runs).
 */
export async function startRedis(appendFsync: AppendFsync = "always"): Promise<BenchRedis> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    progress("redis: REDIS_URL from the environment");
    return { url: fromEnv, own: false, pid: undefined, label: "REDIS_URL" };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "lb-bench-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const starting = startRedisServer({ dir, appendOnly: true, appendFsync });
  onCleanup(async () => {
    const started = await starting.catch(() => undefined);
    await started?.stop();
  });
  const redis = await abortable(starting);
  const label = `private redis-server, appendonly yes, appendfsync ${appendFsync}`;
  progress(`redis: ${label}, port ${redis.port}, in ${dir}`);
  return { url: redis.url, own: true, pid: redis.pid, label };
}

/**
 * Runs a benchmark's main and exits: its code (0 ok, 1 problems), 2 for a UsageError (with the usage text), 1 when
 * the time limit struck, 130 when interrupted. Every registered clean-up runs first, on every path.
 */
export async function runMain(main: () => Promise<number>, usage: string): Promise<never> {
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let exitCode = 1;
  try {
    exitCode = await main();
  } catch (error) {
    if (error instanceof UsageError) {
      progress(`${error.message}\n\n${usage}`);
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
}

// ---------------------------------------------------------------------------------------------------------------
// wrk as the load generator (ingest.ts): a C program in a process of its own, so that the generator is not the
// limit (a Node generator in the bench process could not saturate bare node:http on a 2-core machine).

export const wrkScript = fileURLToPath(new URL("./wrk-ballots.lua", import.meta.url));

/** What one wrk run of a list of ballots got back. */
export interface WrkRun extends Outcomes {
  count: number;
  /** Ballots answered (every status but the filler's 200): equals `count` when the run completed. */
  answered: number;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** wrk's socket errors (connect, read, write, timeout). */
  errors: Record<string, number>;
}

/** The ballots as wrk-ballots.lua and paced-ballots.mjs read them: token \t X-Forwarded-For \t body, a line each. */
function ballotsFile(ballots: readonly Ballot[]): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lb-wrk-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "ballots.tsv");
  writeFileSync(
    file,
    ballots.map((ballot) => `${ballot.token}\t${ballot.address ?? ""}\t${ballot.body.toString("utf8")}\n`).join(""),
  );
  return { dir, file };
}

const pacedScript = fileURLToPath(new URL("./paced-ballots.mjs", import.meta.url));

/** An open-loop run: the WrkRun figures, plus how the pacing went. */
export interface PacedRun extends WrkRun {
  targetRate: number;
  achievedRate: number;
  p90Ms: number;
  /** The worst lateness of the generator's own sends (its timers), not the server's. */
  maxSendLagMs: number;
}

/**
 * Sends every ballot once to `urlPath` at `rate` ballots a second, open loop (ballot i is due at i / rate s,
 * whatever the answers do; latency counts from that due time), with at most `connections` in flight, from
 * `paced-ballots.mjs` in a process of its own. Returns when every ballot is answered.
 */
export async function runPaced(
  port: number,
  urlPath: string,
  ballots: readonly Ballot[],
  rate: number,
  connections: number,
): Promise<PacedRun> {
  const result = await runGenerator(
    "paced-ballots.mjs",
    process.execPath,
    (file) => [pacedScript, file, String(port), urlPath, String(rate), String(connections)],
    ballots,
    "PACED_RESULT ",
  );
  const parsed = JSON.parse(result) as {
    answered: number;
    targetRate: number;
    achievedRate: number;
    durationMs: number;
    p50Ms: number;
    p90Ms: number;
    p99Ms: number;
    maxMs: number;
    maxSendLagMs: number;
    errors: Record<string, number>;
    statuses: Record<string, number>;
    samples: Record<string, string>;
  };
  return {
    count: ballots.length,
    answered: parsed.answered,
    elapsedMs: parsed.durationMs,
    p50Ms: parsed.p50Ms,
    p90Ms: parsed.p90Ms,
    p99Ms: parsed.p99Ms,
    maxMs: parsed.maxMs,
    errors: parsed.errors,
    statuses: new Map(Object.entries(parsed.statuses)),
    samples: new Map(Object.entries(parsed.samples)),
    targetRate: parsed.targetRate,
    achievedRate: parsed.achievedRate,
    maxSendLagMs: parsed.maxSendLagMs,
  };
}

/**
 * Runs a load generator in a process of its own on a file of `ballots` and returns the JSON of its line that
 * starts with `resultPrefix` (the rest of its output is kept for the error). `onLine` may take a line first.
 * The child is killed on every way out of the benchmark.
 */
async function runGenerator(
  name: string,
  command: string,
  argsFor: (ballotsFile: string) => string[],
  ballots: readonly Ballot[],
  resultPrefix: string,
  onLine: (line: string, child: ChildProcess) => boolean = () => false,
): Promise<string> {
  const { dir, file } = ballotsFile(ballots);
  const child = spawn(command, argsFor(file), { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let result: string | undefined;
  const tail: string[] = [];
  onLines(child.stdout, (line) => {
    if (onLine(line, child)) return;
    if (line.startsWith(resultPrefix)) result = line.slice(resultPrefix.length);
    else tail.push(line);
  });
  onLines(child.stderr, (line) => tail.push(line));
  const exit = await abortable(
    new Promise<string>((resolve) => {
      child.once("error", (error: NodeJS.ErrnoException) =>
        resolve(
          error.code === "ENOENT" ? `${command} is not on PATH (Debian: apt-get install ${command})` : error.message,
        ),
      );
      child.once("close", (code, how) => resolve(how ? `signal ${how}` : `code ${code}`));
    }),
  );
  children.delete(child);
  rmSync(dir, { recursive: true, force: true });
  if (!result) throw new Error(`${name} failed (${exit}): ${tail.slice(-10).join("\n")}`);
  return result;
}

/**
 * Sends every ballot once to `urlPath` with `connections` in flight (closed loop: a connection sends its next
 * request when the previous answer is in), with `wrk -t1`, and returns when every ballot is answered.
 */
export async function runWrk(
  port: number,
  urlPath: string,
  ballots: readonly Ballot[],
  connections: number,
  timeLimitS: number,
): Promise<WrkRun> {
  const args = ["-t1", `-c${connections}`, `-d${timeLimitS}s`, "--timeout", "30s", "-s", wrkScript];
  const result = await runGenerator(
    "wrk",
    "wrk",
    (file) => [...args, `http://127.0.0.1:${port}`, "--", file, urlPath],
    ballots,
    "WRK_RESULT ",
    // The Lua script says when every ballot is answered; wrk then prints its summary on SIGINT.
    (line, child) => {
      if (line !== "WRK_DONE") return false;
      child.kill("SIGINT");
      return true;
    },
  );
  const parsed = JSON.parse(result) as {
    durationUs: number;
    ballots: number;
    p50Us: number;
    p99Us: number;
    maxUs: number;
    errors: Record<string, number>;
    statuses: Record<string, number>;
    samples: Record<string, string>;
  };
  const statuses = new Map(Object.entries(parsed.statuses));
  const unanswered = ballots.length - parsed.ballots;
  if (unanswered > 0) statuses.set("UNANSWERED", unanswered);
  return {
    count: ballots.length,
    answered: parsed.ballots,
    elapsedMs: parsed.durationUs / 1000,
    p50Ms: parsed.p50Us / 1000,
    p99Ms: parsed.p99Us / 1000,
    maxMs: parsed.maxUs / 1000,
    errors: parsed.errors,
    statuses,
    samples: new Map(Object.entries(parsed.samples)),
  };
}

/** `count` ticket codes of a tickets round, created as the organiser in batches of at most 10,000. */
export async function createTickets(
  agent: Agent,
  backend: BenchBackend,
  roundId: string,
  count: number,
): Promise<string[]> {
  const codes: string[] = [];
  for (let batch = 0; codes.length < count; batch += 1) {
    const created = await expectJson<TicketBatchCreated>(
      httpRequest(agent, backend.port, "POST", `/api/rounds/${roundId}/tickets`, {
        headers: backend.auth,
        body: JSON.stringify({ batch: `bench-${batch}`, count: Math.min(10_000, count - codes.length) }),
      }),
      201,
      `POST /api/rounds/${roundId}/tickets`,
    );
    codes.push(...created.tickets.map((ticket) => ticket.code));
  }
  return codes;
}
