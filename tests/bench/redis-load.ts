/**
 * Redis load benchmark: commands per second on Redis (INFO commandstats deltas) and Redis's CPU with 1, 3 and 6
 * real backend processes, each holding watchers of 0, 1, 10 and 100 rounds, with no ballots and then with a fixed
 * ballot rate. The live tick's reads grow with backends × rounds watched, not with the audience: one socket per
 * backend watches all the rounds (a hall of 10,000 screens on a round costs Redis what one does).
 *
 *   npm run bench:redis-load -- [--backends 1,3,6] [--rounds 0,1,10,100] [--window 5] [--rate 100] [--json]
 *
 * A benchmark, not a test: it prints figures (BENCHMARKS.md records them). Bounded in time (--time-limit) and
 * count; traffic only to 127.0.0.1; every child process is stopped on every way out.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { io } from "socket.io-client";
import type { BoardSocket } from "../support/wait.js";
import {
  abortable,
  type BenchBackend,
  ballotsFor,
  checkQuietMachine,
  cpuShare,
  cpuSnapshot,
  makeChoices,
  mintVoters,
  newAgent,
  onCleanup,
  openDemoRound,
  parsingFlags,
  pool,
  postBallot,
  progress,
  runMain,
  sourceRevision,
  startBackend,
  startRedis,
  startTimeLimit,
  throwIfAborted,
  UsageError,
  wholeNumber,
  writeReport,
} from "./bench-support.js";

const USAGE = `Usage: npm run bench:redis-load -- [options]

  --backends LIST   backend counts to measure, ascending (default 1,3,6)
  --rounds LIST     rounds each backend watches (default 0,1,10,100; 0 = the backends' own background load)
  --window S        seconds measured per figure (default 5)
  --rate N          ballots per second in the "with ballots" window, spread over the watched rounds (default 100)
  --time-limit S    abort the whole run after S seconds (default 600)
  --json            print one machine-readable JSON line on stdout (the table goes to stderr)
  --help            this text

Environment: REDIS_URL (default: a private redis-server from PATH, append-only file on, in a temp dir).`;

interface Options {
  backends: number[];
  rounds: number[];
  windowS: number;
  rate: number;
  timeLimitS: number;
  json: boolean;
}

function list(name: string, raw: string, min: number, max: number): number[] {
  const values = raw.split(",").map((part) => wholeNumber(name, part.trim(), min, max));
  if (values.some((value, index) => index > 0 && value <= (values[index - 1] as number))) {
    throw new UsageError(`--${name} must be ascending, got "${raw}"`);
  }
  return values;
}

function parseOptions(argv: string[]): Options {
  const { values } = parsingFlags(() =>
    parseArgs({
      args: argv,
      options: {
        backends: { type: "string", default: "1,3,6" },
        rounds: { type: "string", default: "0,1,10,100" },
        window: { type: "string", default: "5" },
        rate: { type: "string", default: "100" },
        "time-limit": { type: "string", default: "600" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }),
  );
  if (values.help) throw new UsageError("");
  return {
    backends: list("backends", values.backends, 1, 16),
    rounds: list("rounds", values.rounds, 0, 100),
    windowS: wholeNumber("window", values.window, 1, 60),
    rate: wholeNumber("rate", values.rate, 1, 2000),
    timeLimitS: wholeNumber("time-limit", values["time-limit"], 10, 3600),
    json: values.json,
  };
}

/** Calls per command from INFO commandstats (the INFO calls of this script are left out). */
async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const line of (await redis.info("commandstats")).split("\n")) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (match && match[1] !== "info") calls.set(match[1] as string, Number(match[2]));
  }
  return calls;
}

interface Window {
  commandsPerSecond: number;
  /** The three busiest commands, per second (commands a Lua script runs count too, as INFO counts them). */
  top: [string, number][];
  /** Script calls (EVALSHA, EVAL) per second: the round trips that run scripts. */
  scriptsPerSecond: number;
  redisCores: number | null;
  backendCores: number | null;
  ballotsPerSecond: number;
}

async function measure(
  redis: Redis,
  redisPid: number | undefined,
  backends: readonly BenchBackend[],
  windowS: number,
  during: (stopAt: number) => Promise<number>,
): Promise<Window> {
  const pids = backends.map((backend) => backend.server.child.pid);
  const before = await commandCalls(redis);
  const cpuBefore = cpuSnapshot(pids, redisPid);
  const startedAt = performance.now();
  const ballots = await during(startedAt + windowS * 1000);
  await abortable(
    new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + windowS * 1000 - performance.now()))),
  );
  const cpu = cpuShare(cpuBefore, cpuSnapshot(pids, redisPid));
  const after = await commandCalls(redis);
  const seconds = (performance.now() - startedAt) / 1000;
  const rates = [...after].map(
    ([name, calls]) => [name, (calls - (before.get(name) ?? 0)) / seconds] as [string, number],
  );
  rates.sort((a, b) => b[1] - a[1]);
  return {
    commandsPerSecond: rates.reduce((sum, [, rate]) => sum + rate, 0),
    top: rates.slice(0, 3),
    scriptsPerSecond: rates
      .filter(([name]) => name === "evalsha" || name === "eval")
      .reduce((sum, [, rate]) => sum + rate, 0),
    redisCores: cpu.redis,
    backendCores: cpu.server,
    ballotsPerSecond: ballots / seconds,
  };
}

interface Row {
  backends: number;
  rounds: number;
  idle: Window;
  withBallots: Window | null;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  startTimeLimit(options.timeLimitS);
  const startedAt = new Date();
  const warnings: string[] = [];
  const background = await checkQuietMachine(warnings);
  const { url: redisUrl, pid: redisPid, label: redisLabel } = await startRedis("always");
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  onCleanup(() => {
    redis.disconnect();
  });
  const secrets = {
    ADMIN_TOKEN: randomBytes(24).toString("base64url"),
    VOTER_TOKEN_SECRET: randomBytes(32).toString("hex"),
    // One socket per backend watches every round of a configuration.
    SOCKET_MAX_ROUNDS: "100",
    SOCKET_JOINS_PER_MINUTE: "100000",
  };
  const agent = newAgent(64);
  const backends: BenchBackend[] = [];
  const maxRounds = Math.max(...options.rounds);
  const withBallots = options.rounds.filter((rounds) => rounds > 0).length * options.backends.length;
  const ballotsPerWindow = options.rate * options.windowS;

  // Rounds, voters and ballots before anything is measured; one voter votes at most once per round.
  const first = await startBackend(redisUrl, secrets);
  backends.push(first);
  const base = `rl-${Date.now().toString(36)}`;
  const roundIds = Array.from({ length: maxRounds }, (_, index) => `${base}-${index}`);
  let optionIds: string[] = [];
  await pool(roundIds.length, 8, async (index) => {
    const round = await openDemoRound(agent, first, roundIds[index] as string);
    optionIds = round.options.map((option) => option.id);
  });
  const tokens = await mintVoters(agent, first.port, ballotsPerWindow * withBallots, 64);
  const choices = makeChoices(tokens.length, optionIds, 1, 3, 1);
  const ballots = ballotsFor(tokens, choices);
  let nextBallot = 0;
  progress(`rounds: ${roundIds.length} open; ${tokens.length} voters`);

  const rows: Row[] = [];
  const failures = new Map<string, number>();
  for (const count of options.backends) {
    while (backends.length < count) backends.push(await startBackend(redisUrl, secrets));
    for (const rounds of options.rounds) {
      throwIfAborted();
      // One watcher socket per backend, on every round of this configuration.
      const sockets = await Promise.all(
        backends.map(async (backend) => {
          const socket: BoardSocket = io(`http://127.0.0.1:${backend.port}`, {
            transports: ["websocket"],
            reconnection: false,
            forceNew: true,
          });
          onCleanup(() => {
            socket.disconnect();
          });
          await abortable(
            new Promise<void>((resolve, reject) => {
              socket.once("connect", () => resolve());
              socket.once("connect_error", reject);
            }),
          );
          for (const roundId of roundIds.slice(0, rounds)) {
            const ack = await socket.timeout(10_000).emitWithAck("board:join", { roundId });
            if ("error" in ack) throw new Error(`board:join ${roundId}: ${ack.error.code}`);
          }
          return socket;
        }),
      );
      const idle = await measure(redis, redisPid, backends, options.windowS, async () => 0);
      let loaded: Window | null = null;
      if (rounds > 0) {
        // Open loop at --rate: a ballot every 1/rate s to the backends in turn, on the rounds in turn.
        loaded = await measure(redis, redisPid, backends, options.windowS, async (stopAt) => {
          const sends: Promise<void>[] = [];
          const start = performance.now();
          for (let i = 0; i < ballotsPerWindow && performance.now() < stopAt; i++) {
            const due = start + (i * 1000) / options.rate;
            const wait = due - performance.now();
            if (wait > 0) await abortable(new Promise((resolve) => setTimeout(resolve, wait)));
            const ballot = ballots[nextBallot++];
            const backend = backends[i % backends.length] as BenchBackend;
            const roundId = roundIds[i % rounds] as string;
            if (!ballot) break;
            sends.push(
              postBallot(agent, backend.port, `/api/rounds/${roundId}/ballots`, ballot, new Map()).then((outcome) => {
                if (outcome !== "201") failures.set(outcome, (failures.get(outcome) ?? 0) + 1);
              }),
            );
          }
          await Promise.all(sends);
          return sends.length;
        });
      }
      for (const socket of sockets) socket.disconnect();
      rows.push({ backends: count, rounds, idle, withBallots: loaded });
      progress(
        `${count} backend(s) × ${rounds} round(s): ${idle.commandsPerSecond.toFixed(0)} cmd/s idle` +
          (loaded
            ? `, ${loaded.commandsPerSecond.toFixed(0)} cmd/s at ${loaded.ballotsPerSecond.toFixed(0)} ballots/s`
            : ""),
      );
    }
  }
  if (failures.size > 0) warnings.push(`ballots not answered 201: ${JSON.stringify(Object.fromEntries(failures))}`);

  const result = {
    benchmark: "redis-load",
    startedAt: startedAt.toISOString(),
    revision: sourceRevision(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim() ?? "unknown", backgroundCores: background },
    options: { ...options, redis: redisLabel },
    rows,
    warnings,
  };
  const table = renderTable(rows, options);
  writeReport(table, result, options.json);
  return failures.size > 0 ? 1 : 0;
}

function renderTable(rows: readonly Row[], options: Options): string {
  const fixed = (value: number | null | undefined, digits = 0) =>
    value === null || value === undefined ? "n/a" : value.toFixed(digits);
  const baseline = new Map(rows.filter((row) => row.rounds === 0).map((row) => [row.backends, row.idle]));
  const lines = [
    `Redis load: commands/s (INFO commandstats) and Redis CPU, ${options.windowS} s windows, ballots at ${options.rate}/s`,
    "",
    "backends | rounds | idle cmd/s | per backend·round | redis cores | with ballots cmd/s | cmds/ballot | scripts/ballot | redis cores | top commands (with ballots, else idle)",
    "---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---",
  ];
  for (const row of rows) {
    const base = baseline.get(row.backends);
    const perWatch =
      row.rounds > 0 && base
        ? (row.idle.commandsPerSecond - base.commandsPerSecond) / (row.backends * row.rounds)
        : null;
    const loaded = row.withBallots;
    const perBallot =
      loaded && loaded.ballotsPerSecond > 0
        ? (loaded.commandsPerSecond - row.idle.commandsPerSecond) / loaded.ballotsPerSecond
        : null;
    const scriptsPerBallot =
      loaded && loaded.ballotsPerSecond > 0
        ? (loaded.scriptsPerSecond - row.idle.scriptsPerSecond) / loaded.ballotsPerSecond
        : null;
    const top = (loaded ?? row.idle).top.map(([name, rate]) => `${name} ${rate.toFixed(0)}`).join(", ");
    lines.push(
      `${row.backends} | ${row.rounds} | ${fixed(row.idle.commandsPerSecond)} | ${fixed(perWatch, 1)} | ` +
        `${fixed(row.idle.redisCores, 3)} | ${fixed(loaded?.commandsPerSecond)} | ${fixed(perBallot, 1)} | ${fixed(scriptsPerBallot, 2)} | ` +
        `${fixed(loaded?.redisCores, 3)} | ${top}`,
    );
  }
  return lines.join("\n");
}

await runMain(main, USAGE);
