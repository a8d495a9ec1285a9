/**
 * Fan-out benchmark: how fast live leaderboard updates reach many watchers.
 *
 *   npm run bench:fanout -- [--watchers 500] [--rate 200] [--seconds 10] [--tick 100] [--client lean] [--json]
 *
 * W Socket.IO clients join one round of the real backend process (`node backend/dist/main.js`, Redis with the
 * append-only file on) and keep their board with applyLeaderboardUpdate while ballots arrive open-loop at a fixed
 * rate. Latency is per (ballot, watcher): from the k-th 201 answer to that watcher's first update with
 * totalBallots >= k. Then, in the same run, a bare node:http + Socket.IO server (bare-socket-server.ts) broadcasts
 * the very updates the watchers got, one per POST /emit at the service's update rate, to the same W clients doing
 * the same work: the fan-out floor of Socket.IO (and of this harness) on this machine.
 *
 * The watchers are lean clients by default (lean-socket.ts: the Socket.IO protocol over a bare WebSocket, an
 * update's parse and apply shared by the watchers of a process that hold the same board), so that on a small
 * machine the harness is not the bound; `--client socket.io` watches with the real socket.io-client instead.
 *
 * The watchers live in child processes of their own (--watcher-processes, each with a share of them) and the
 * ballots leave open-loop from one more, so that neither the sender nor the 201 stamps queue behind the fan-out
 * work; every time is on the main process's performance.now() scale (a child adds the difference of the two
 * processes' timeOrigin). A ballot's answer time counts from its scheduled send (no coordinated omission).
 *
 * A benchmark, not a test: it prints figures, and fails (exit 1) when a board is wrong, an update did not apply
 * or something did not arrive. It is bounded in count (--watchers, --rate × --seconds) and time (--time-limit),
 * sends traffic only to 127.0.0.1 (or to REDIS_URL), and stops every child process and thread it started, also on
 * error and Ctrl-C. BENCHMARKS.md at the repository root explains the method and records results.
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual, parseArgs } from "node:util";
import {
  applyLeaderboardUpdate,
  type BoardJoinAck,
  type ClientToServerEvents,
  type Leaderboard,
  type LeaderboardUpdate,
  type ServerToClientEvents,
} from "@lb/common";
import { io, type Socket } from "socket.io-client";
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
  type Outcomes,
  onCleanup,
  openDemoRound,
  parsingFlags,
  percentile,
  pool,
  postBallot,
  processCpuMs,
  progress,
  reportNon201,
  runMain,
  type ServerChild,
  signal,
  sourceRevision,
  startBackend,
  startRedis,
  startServerChild,
  startTimeLimit,
  throwIfAborted,
  UsageError,
  wholeNumber,
  writeReport,
} from "./bench-support.js";
import { firstArgument, LeanSocket } from "./lean-socket.js";

const bareSocketServerScript = fileURLToPath(new URL("./bare-socket-server.ts", import.meta.url));

/** The event the watchers listen to; the bare server is told (BARE_EVENT) to broadcast under the same name. */
const UPDATE_EVENT = "leaderboard:updated" satisfies keyof ServerToClientEvents;
/** Seed of the random ballots (the same picks every run, as in the ingest benchmark's default). */
const BALLOT_SEED = 1;
/** Sockets connecting (and joining) at once per watcher process while the watchers are set up. */
const CONNECT_CONCURRENCY = 25;
/** One socket that has not connected, or one join not answered, within this fails the run. */
const CONNECT_TIMEOUT_MS = 15_000;
/** Tokens minted at once before the run (not timed). */
const MINT_CONCURRENCY = 64;
/** Keep-alive sockets of the open-loop sender; more requests than this in flight wait in the agent's queue. */
const SENDER_SOCKETS = 256;
/** How long a load-generator process may take to exit (and write its CPU profile) once told to, before a SIGKILL. */
const CHILD_EXIT_MS = 5_000;
/** After the last answer, how long every watcher may take to catch up before the run fails. */
const drainTimeoutMs = (tickMs: number) => Math.max(10_000, 20 * tickMs);

// ---------------------------------------------------------------------------------------------------------------
// Options

interface Options {
  watchers: number;
  rate: number;
  seconds: number;
  tickMs: number;
  /** Two backend processes, ROLE=ingest for the ballots and ROLE=live for the watchers, instead of one. */
  split: boolean;
  /** Processes the watchers are spread over (the ballot sender has one more of its own). */
  watcherProcesses: number;
  /** A directory for the backend processes' V8 CPU profiles (`node --cpu-prof`), or null. */
  cpuProfDir: string | null;
  view: WatcherView;
  client: WatcherClient;
  timeLimitS: number;
  json: boolean;
}

const USAGE = `Usage: npm run bench:fanout -- [options]

  --view V          the page the watchers join as: board (screens: an update per tick, the default) or vote
                    (phones: an update per the backend's LIVE_PHONE_UPDATE_MS)
  --client C        the watchers' client: lean (a bare ws WebSocket speaking the Socket.IO protocol, parsing
                    and applying each distinct update once per process: lean-socket.ts; the default) or socket.io
                    (the real socket.io-client, each watcher parsing and applying every update: 6-9× the CPU per
                    delivered update, which on a small machine is the bound); the same kind watches the service
                    and the bare Socket.IO server
  --watchers N      Socket.IO clients watching the round (board:join, view --view), spread over the watcher
                    processes (default 500)
  --watcher-processes N  processes the watchers live in, each with 1/N of them (default 2); the ballots are sent
                    from one more process of their own
  --rate N          ballots per second, sent open-loop: on a fixed schedule, whatever the answers do (default 200)
  --seconds N       how long ballots are sent (default 10)
  --tick MS         the backend's LIVE_TICK_MS: at most one update per round per tick (default 100)
  --split           two backend processes on the one Redis: ballots to one with ROLE=ingest, watchers to one with
                    ROLE=live (default: one process with ROLE=all serves both)
  --cpu-prof DIR    write the V8 CPU profile (node --cpu-prof) of each backend process and of each load-generator
                    process (watchers, sender) into DIR, to see where it spends its time (open it in Chrome
                    DevTools; a profile is written when its process exits; the file name holds the pid, which the
                    progress lines print)
  --time-limit S    abort the whole run after S seconds (default 180)
  --json            print one machine-readable JSON line on stdout (the table goes to stderr)
  --help            this text

Environment: REDIS_URL (default: a private redis-server from PATH, append-only file on, in a temp dir).`;

function checkedView(raw: string): WatcherView {
  if (raw !== "board" && raw !== "vote") throw new UsageError(`--view must be board or vote, got "${raw}"`);
  return raw;
}

function checkedClient(raw: string): WatcherClient {
  if (raw !== "lean" && raw !== "socket.io") throw new UsageError(`--client must be lean or socket.io, got "${raw}"`);
  return raw;
}

function parseOptions(argv: string[]): Options {
  return parsingFlags(() => checkedOptions(argv));
}

function checkedOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      watchers: { type: "string", default: "500" },
      rate: { type: "string", default: "200" },
      seconds: { type: "string", default: "10" },
      tick: { type: "string", default: "100" },
      "time-limit": { type: "string", default: "180" },
      split: { type: "boolean", default: false },
      "watcher-processes": { type: "string", default: "2" },
      "cpu-prof": { type: "string" },
      view: { type: "string", default: "board" },
      client: { type: "string", default: "lean" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const options: Options = {
    watchers: wholeNumber("watchers", values.watchers, 1, 5000),
    rate: wholeNumber("rate", values.rate, 1, 5000),
    seconds: wholeNumber("seconds", values.seconds, 1, 600),
    // The backend's own bounds for LIVE_TICK_MS.
    tickMs: wholeNumber("tick", values.tick, 10, 10_000),
    split: values.split,
    watcherProcesses: wholeNumber("watcher-processes", values["watcher-processes"], 1, 16),
    cpuProfDir: values["cpu-prof"] ? path.resolve(values["cpu-prof"]) : null,
    view: checkedView(values.view),
    client: checkedClient(values.client),
    timeLimitS: wholeNumber("time-limit", values["time-limit"], 10, 3600),
    json: values.json,
  };
  if (options.rate * options.seconds > 200_000) {
    throw new UsageError(`--rate × --seconds must not exceed 200000 ballots, got ${options.rate * options.seconds}`);
  }
  return options;
}

// ---------------------------------------------------------------------------------------------------------------
// Watcher processes: each holds a share of the watchers. The main process asks them to connect, to wait until every
// board reached a seq, and to report (which also disconnects them).

type BoardSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type WatcherView = "board" | "vote";
/** The watchers' client: the real socket.io-client, or the bench's lean one (lean-socket.ts). */
type WatcherClient = "socket.io" | "lean";

interface WatchSetup {
  url: string;
  /** The round to board:join; null for the bare server, which has no join (the boards start at initialBoard). */
  roundId: string | null;
  initialBoard: Leaderboard | null;
  /** The page the watchers say they serve: "board" (a screen, an update per tick) or "vote" (a phone). */
  view: WatcherView;
  client: WatcherClient;
  /** Index of this thread's first watcher; watcher 0 also keeps every update's JSON. */
  first: number;
  count: number;
}

interface WatcherReport {
  /** The board after the last update (or the rejoin's snapshot). */
  board: Leaderboard;
  /** Per update received, in order: arrival time (main thread's performance.now() scale), totalBallots, seq. */
  times: number[];
  totals: number[];
  seqs: number[];
  /** Updates that did not build on the board (prevSeq ≠ seq, other epoch); with the backend each one rejoins. */
  gaps: number;
  rejoins: number;
  /** round:updated / round:reset notices (none are expected: the round's status does not change). */
  roundNotices: number;
  disconnected: string | null;
}

interface ThreadReport {
  watchers: WatcherReport[];
  /** The JSON of every update watcher 0 received, in order (empty in other processes). */
  updates: string[];
}

interface WatcherState extends WatcherReport {
  /** Sends board:join and resolves with the snapshot. */
  join: () => Promise<Leaderboard>;
  rejoining: boolean;
}

/** board:join's ack: the snapshot, or the error as an exception. */
function joinedBoard(result: BoardJoinAck): Leaderboard {
  if ("error" in result) throw new Error(`board:join failed: ${result.error.code} ${result.error.message}`);
  return result.ok;
}

/** Connects one client: WebSocket only, no reconnection (a lost watcher is a failed run, not a retry). */
function connectClient(url: string): Promise<BoardSocket> {
  const socket: BoardSocket = io(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    timeout: CONNECT_TIMEOUT_MS,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.disconnect();
      reject(new Error(`a socket did not connect within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("connect_error", (error: Error) => {
      clearTimeout(timer);
      reject(new Error(`socket connection failed: ${error.message}`));
    });
  });
}

/**
 * The lean watchers of one process share the work of an update: every watcher gets the same frame text of a
 * broadcast, so the first one parses it and applies it to its board (applyLeaderboardUpdate, as a real client),
 * and the others, whose board is that same board object, take the result. A watcher whose frame differs by one
 * byte, or whose board is another, parses and applies for itself: what each watcher checks (each update builds on
 * its board, the final board is exact) is unchanged, only done once per distinct (frame, board).
 */
class SharedUpdates {
  private readonly byFrame = new Map<
    string,
    { update: LeaderboardUpdate; from: Leaderboard; to: Leaderboard | null }
  >();
  /** One board object per snapshot seen at a join, so that watchers that joined at the same state share it. */
  private readonly snapshots = new Map<number, Leaderboard>();

  /** The shared object equal to `board`, if one is known; else `board`, which becomes it. */
  snapshot(board: Leaderboard): Leaderboard {
    const known = this.snapshots.get(board.seq);
    if (known && isDeepStrictEqual(known, board)) return known;
    this.snapshots.set(board.seq, board);
    return board;
  }

  /** The update in `frame` and the board it makes of `board` (null when it does not build on it). */
  apply(board: Leaderboard, frame: string): { update: LeaderboardUpdate; next: Leaderboard | null } {
    const known = this.byFrame.get(frame);
    if (known && known.from === board) return { update: known.update, next: known.to };
    const update = known?.update ?? (JSON.parse(firstArgument(frame)) as LeaderboardUpdate);
    const next = applyLeaderboardUpdate(board, update);
    if (!known) this.byFrame.set(frame, { update, from: board, to: next });
    return { update, next };
  }

  clear(): void {
    this.byFrame.clear();
    this.snapshots.clear();
  }
}

/** The body of a watcher process: it answers the main process's commands over IPC until it is disconnected. */
function watcherProcess(): void {
  const originOffset = performance.timeOrigin - Number(process.env.FANOUT_TIME_ORIGIN);
  const closers = new Set<() => void>();
  const shared = new SharedUpdates();
  let watchers: WatcherState[] = [];
  let updates: string[] = [];

  /**
   * One update arrived at a watcher (`next`: its board after the update, null when it did not build on it,
   * undefined when the watcher is rejoining and does not apply updates).
   */
  const received = (
    state: WatcherState,
    at: number,
    update: LeaderboardUpdate,
    next: Leaderboard | null | undefined,
  ) => {
    state.times.push(at);
    state.totals.push(update.totalBallots);
    state.seqs.push(update.seq);
    if (next === undefined) return;
    if (next) {
      state.board = next;
      return;
    }
    // A gap: do what a real client does (rejoin for a fresh snapshot), and count it; the run then fails.
    state.gaps += 1;
    state.rejoining = true;
    state.join().then(
      (board) => {
        state.board = board;
        state.rejoins += 1;
        state.rejoining = false;
      },
      () => {
        state.rejoining = false;
      },
    );
  };

  /** A socket.io-client watcher: the real client, parsing and applying every update for itself. */
  const socketIoWatcher = async (setup: WatchSetup, keepUpdates: boolean): Promise<WatcherState> => {
    const socket = await connectClient(setup.url);
    const { roundId, view } = setup;
    const join = async () =>
      roundId === null
        ? Promise.reject(new Error("the bare server has no board:join"))
        : joinedBoard(await socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck("board:join", { roundId, view }));
    closers.add(() => socket.disconnect());
    const state = newWatcher(roundId === null ? setup.initialBoard : await join(), join);
    socket.on(UPDATE_EVENT, (update: LeaderboardUpdate) => {
      const at = performance.now() + originOffset;
      if (keepUpdates) updates.push(JSON.stringify(update));
      received(state, at, update, state.rejoining ? undefined : applyLeaderboardUpdate(state.board, update));
    });
    socket.on("round:updated", () => {
      state.roundNotices += 1;
    });
    socket.on("round:reset", () => {
      state.roundNotices += 1;
    });
    socket.on("disconnect", (reason) => {
      state.disconnected ??= reason;
    });
    return state;
  };

  /** A lean watcher (lean-socket.ts): the same checks, an update's parse and apply shared (SharedUpdates). */
  const leanWatcher = async (setup: WatchSetup, keepUpdates: boolean): Promise<WatcherState> => {
    const socket = await LeanSocket.connect(setup.url, CONNECT_TIMEOUT_MS);
    const { roundId, view } = setup;
    const join = async () => {
      if (roundId === null) throw new Error("the bare server has no board:join");
      const [result] = await socket.emitWithAck("board:join", { roundId, view }, CONNECT_TIMEOUT_MS);
      return shared.snapshot(joinedBoard(result as BoardJoinAck));
    };
    closers.add(() => socket.disconnect());
    const first = roundId === null ? setup.initialBoard : await join();
    const state = newWatcher(first && shared.snapshot(first), join);
    socket.on(UPDATE_EVENT, (frame) => {
      const at = performance.now() + originOffset;
      if (keepUpdates) updates.push(firstArgument(frame));
      const { update, next } = shared.apply(state.board, frame);
      received(state, at, update, state.rejoining ? undefined : next);
    });
    const notice = () => {
      state.roundNotices += 1;
    };
    socket.on("round:updated", notice);
    socket.on("round:reset", notice);
    socket.onDisconnect = (reason) => {
      state.disconnected ??= reason;
    };
    return state;
  };

  const connect = async (setup: WatchSetup): Promise<Leaderboard | null> => {
    watchers = new Array<WatcherState>(setup.count);
    updates = [];
    shared.clear();
    const watcher = setup.client === "lean" ? leanWatcher : socketIoWatcher;
    await pool(setup.count, CONNECT_CONCURRENCY, async (index) => {
      watchers[index] = await watcher(setup, setup.first + index === 0);
    });
    return watchers[0]?.board ?? null;
  };

  const wait = async (seq: number, timeoutMs: number): Promise<number> => {
    const behind = () => watchers.filter((state) => state.board.seq < seq && state.disconnected === null).length;
    const deadline = performance.now() + timeoutMs;
    while (behind() > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    return behind();
  };

  const report = (): ThreadReport => {
    // Copied before the sockets close, so that our own disconnect is not recorded as a lost watcher.
    const result: ThreadReport = {
      watchers: watchers.map(({ join: _join, rejoining: _rejoining, ...rest }) => structuredClone(rest)),
      updates,
    };
    for (const close of closers) close();
    closers.clear();
    watchers = [];
    updates = [];
    shared.clear();
    return result;
  };

  serveCommands(async (command: ChildCommand) => {
    if (command.type === "connect") return connect(command.setup);
    if (command.type === "wait") return wait(command.seq, command.timeoutMs);
    if (command.type === "report") return report();
    throw new Error(`a watcher process does not take "${command.type}"`);
  });
}

function newWatcher(board: Leaderboard | null, join: () => Promise<Leaderboard>): WatcherState {
  if (!board) throw new Error("a bare watcher needs an initial board");
  return {
    board,
    times: [],
    totals: [],
    seqs: [],
    gaps: 0,
    rejoins: 0,
    roundNotices: 0,
    disconnected: null,
    join,
    rejoining: false,
  };
}

/** What the sender process sends back: per ballot, in send order. */
interface SenderReport {
  /** The first ballot's scheduled send time, on the main process's performance.now() scale. */
  startedAt: number;
  /** How late each ballot left compared with its schedule (the sender's own lag), ms. */
  sendLag: Float64Array;
  /** When each answer (or failure) arrived, main process scale. */
  answeredAt: Float64Array;
  /** "201", another status, "TIMEOUT" or "ERR:<code>" (ECONNRESET: a connection reset). */
  outcomes: string[];
  /** The first body or message of each outcome other than 201. */
  samples: [string, string][];
  elapsedMs: number;
}

/**
 * The body of the sender process: ballots leave open-loop on a fixed schedule (ballot i at start + i / rate),
 * whatever happened to the earlier ones, from a process that does nothing else, so that neither the watchers'
 * work nor a late answer delays a send. Latency is counted from the scheduled time (coordinated omission would
 * otherwise hide a stall: the ballots that should have left during it would be timed from when they did leave).
 */
function senderProcess(): void {
  const originOffset = performance.timeOrigin - Number(process.env.FANOUT_TIME_ORIGIN);
  serveCommands(async (command: ChildCommand) => {
    if (command.type !== "send") throw new Error(`the sender process does not take "${command.type}"`);
    const { port, path: urlPath, rate } = command;
    const ballots: Ballot[] = command.ballots.map(({ token, body }) => ({ token, body: Buffer.from(body) }));
    const agent = newAgent(SENDER_SOCKETS);
    const answeredAt = new Float64Array(ballots.length);
    const outcomes = new Array<string>(ballots.length);
    const samples = new Map<string, string>();
    const run = await openLoop(ballots.length, rate, async (index) => {
      const outcome = await postBallot(agent, port, urlPath, ballots[index] as Ballot, samples);
      answeredAt[index] = performance.now() + originOffset;
      outcomes[index] = outcome;
    });
    agent.destroy();
    const report: SenderReport = {
      startedAt: run.startedAt + originOffset,
      sendLag: run.sendLag,
      answeredAt,
      outcomes,
      samples: [...samples],
      elapsedMs: run.elapsedMs,
    };
    return report;
  });
}

type ChildCommand =
  | { type: "connect"; setup: WatchSetup }
  | { type: "wait"; seq: number; timeoutMs: number }
  | { type: "report" }
  | { type: "send"; port: number; path: string; rate: number; ballots: { token: string; body: string }[] };
type ChildReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** A child's side of the IPC channel: one reply per command; the child ends when its parent goes away. */
function serveCommands(handle: (command: ChildCommand) => Promise<unknown>): void {
  process.on("disconnect", () => process.exit(0));
  process.on("message", async (request: ChildCommand & { id: number }) => {
    let reply: ChildReply;
    try {
      reply = { id: request.id, ok: true, value: await handle(request) };
    } catch (error) {
      reply = { id: request.id, ok: false, error: describeError(error) };
    }
    process.send?.(reply);
  });
}

/**
 * Load-generator processes of this same script (FANOUT_CHILD=watchers|sender), each with an IPC channel: issue 8
 * asks for the watchers and the ballot sender in processes of their own, so that neither queues behind the
 * other, nor behind this process's bookkeeping. Times cross the process boundary on the main process's
 * performance.now() scale: each child adds the difference of the two processes' timeOrigin (both read from the
 * system clock at start-up). They are killed on every way out.
 */
class ChildProcesses {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(readonly processes: ChildProcess[]) {
    for (const child of processes) {
      child.on("message", (reply: ChildReply) => {
        const waiter = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.ok) waiter?.resolve(reply.value);
        else waiter?.reject(new Error(`${child.spawnargs.at(-1)} process: ${reply.error}`));
      });
      child.on("exit", (code, exitSignal) => {
        children.delete(child);
        for (const waiter of this.pending.values()) {
          waiter.reject(new Error(`a load-generator process exited (${exitSignal ?? `code ${code}`})`));
        }
        this.pending.clear();
      });
    }
  }

  static start(kind: "watchers" | "sender", count: number, nodeArgs: readonly string[] = []): ChildProcesses {
    const script = fileURLToPath(import.meta.url);
    const processes = Array.from({ length: count }, () => {
      const child = fork(script, [kind], {
        execArgv: [...nodeArgs, "--import", import.meta.resolve("tsx")],
        env: { ...process.env, FANOUT_CHILD: kind, FANOUT_TIME_ORIGIN: String(performance.timeOrigin) },
        stdio: ["ignore", "ignore", "inherit", "ipc"],
        // Typed arrays and Maps cross as they are.
        serialization: "advanced",
      });
      children.add(child);
      return child;
    });
    // A child ends by itself when its IPC channel closes (and only then writes its --cpu-prof profile); one that
    // has not within CHILD_EXIT_MS is killed.
    onCleanup(async () => {
      const running = processes.filter((child) => child.exitCode === null && child.signalCode === null);
      await Promise.all(
        running.map(
          (child) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => {
                child.kill("SIGKILL");
                resolve();
              }, CHILD_EXIT_MS);
              child.once("exit", () => {
                clearTimeout(timer);
                resolve();
              });
              if (child.connected) child.disconnect();
            }),
        ),
      );
    });
    return new ChildProcesses(processes);
  }

  get pids(): number[] {
    return this.processes.flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  call<T>(child: ChildProcess, command: ChildCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...command, id });
    });
  }
}

/** The main process's handle on the watcher processes. */
class WatcherProcesses {
  constructor(
    private readonly children: ChildProcesses,
    private readonly client: WatcherClient,
  ) {}

  get pids(): number[] {
    return this.children.pids;
  }

  get count(): number {
    return this.children.processes.length;
  }

  /** CPU the watcher processes used so far, ms (the watchers alone, without the ballot sender). */
  cpuMs(): number {
    return this.pids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? 0), 0);
  }

  private all<T>(command: (index: number) => ChildCommand): Promise<T[]> {
    return abortable(
      Promise.all(this.children.processes.map((child, index) => this.children.call<T>(child, command(index)))),
    );
  }

  /** Connects `count` watchers, spread evenly over the processes; resolves with watcher 0's first board. */
  async connect(
    url: string,
    roundId: string | null,
    initialBoard: Leaderboard | null,
    count: number,
    view: WatcherView = "board",
  ) {
    const share = Math.ceil(count / this.count);
    const boards = await this.all<Leaderboard | null>((index) => {
      const first = index * share;
      return {
        type: "connect",
        setup: {
          url,
          roundId,
          initialBoard,
          view,
          client: this.client,
          first,
          count: Math.max(0, Math.min(share, count - first)),
        },
      };
    });
    return boards[0] ?? null;
  }

  /** Waits until every connected watcher's board reached `seq`; resolves with how many did not. */
  async wait(seq: number, timeoutMs: number): Promise<number> {
    const behind = await this.all<number>(() => ({ type: "wait", seq, timeoutMs }));
    return behind.reduce((sum, value) => sum + value, 0);
  }

  /** Every watcher's record, in watcher order, and watcher 0's updates; the watchers disconnect. */
  async report(): Promise<ThreadReport> {
    const reports = await this.all<ThreadReport>(() => ({ type: "report" }));
    return {
      watchers: reports.flatMap((report) => report.watchers),
      updates: reports.flatMap((report) => report.updates),
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The open-loop sender: request i leaves at start + i × 1000 / rate ms, whether or not earlier ones were answered.

interface OpenLoopRun {
  /** The first send's scheduled time (performance.now() of the process that sent). */
  startedAt: number;
  /** From the first scheduled send to the last answer. */
  elapsedMs: number;
  /** Per request: how late it left compared with its schedule (the sender's own lag, in ms). */
  sendLag: Float64Array;
}

async function openLoop(count: number, rate: number, send: (index: number) => Promise<void>): Promise<OpenLoopRun> {
  const sendLag = new Float64Array(count);
  const answers: Promise<void>[] = [];
  const intervalMs = 1000 / rate;
  const started = performance.now();
  await abortable(
    new Promise<void>((resolve) => {
      let next = 0;
      const pump = () => {
        if (signal.aborted) return resolve();
        const now = performance.now();
        while (next < count && started + next * intervalMs <= now) {
          sendLag[next] = performance.now() - (started + next * intervalMs);
          answers.push(send(next));
          next += 1;
        }
        if (next >= count) return resolve();
        setTimeout(pump, Math.max(0, started + next * intervalMs - performance.now()));
      };
      pump();
    }),
  );
  throwIfAborted();
  await abortable(Promise.all(answers));
  return { startedAt: started, elapsedMs: performance.now() - started, sendLag };
}

// ---------------------------------------------------------------------------------------------------------------
// Figures

interface Distribution {
  count: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

function distribution(values: Float64Array): Distribution {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    minMs: sorted[0] ?? Number.NaN,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    meanMs: sorted.length > 0 ? sum / sorted.length : Number.NaN,
  };
}

/** Per update (by seq): the time from its first to its last watcher — the fan-out's spread. */
function spreads(watchers: readonly WatcherReport[]): Float64Array {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  for (const { seqs, times } of watchers) {
    seqs.forEach((seq, index) => {
      const at = times[index] as number;
      first.set(seq, Math.min(first.get(seq) ?? Number.POSITIVE_INFINITY, at));
      last.set(seq, Math.max(last.get(seq) ?? Number.NEGATIVE_INFINITY, at));
    });
  }
  return Float64Array.from([...first].map(([seq, at]) => (last.get(seq) ?? at) - at));
}

/** Updates per second at each watcher: (n - 1) over the time from its first to its last update. */
function updateRates(watchers: readonly WatcherReport[]) {
  let sum = 0;
  let counted = 0;
  let max = 0;
  for (const { times } of watchers) {
    const n = times.length;
    if (n < 2) continue;
    const spanMs = (times[n - 1] as number) - (times[0] as number);
    const rate = spanMs > 0 ? ((n - 1) * 1000) / spanMs : Number.POSITIVE_INFINITY;
    sum += rate;
    counted += 1;
    max = Math.max(max, rate);
  }
  return { mean: counted > 0 ? sum / counted : Number.NaN, max };
}

/**
 * "At most one update per tick", judged where jitter cannot fake a failure. Per watcher: no update (seq) twice.
 * Over the run: each update is timed by its first arrival at any watcher (the first slice of a broadcast leaves
 * during its tick, and the earliest of many watchers is the least delayed). The hub starts tick n + 1 no sooner
 * than LIVE_TICK_MS after tick n started and not before tick n ended, so updates 2..U left at least U - 2 ticks
 * apart (the first may leave at the end of a long first tick); one more tick of slack covers arrival jitter:
 * U updates must span at least U - 3 ticks. Per-watcher arrival times would not do: a watcher's first update can
 * come several ticks late (a burst's first fan-out to 2,000 sockets) and its last on time, which made 10.3 a
 * second out of 10 in one-second windows. A server that sends two updates a tick, or one twice, still fails.
 */
function tickCheck(watchers: readonly WatcherReport[], tickMs: number) {
  const firstArrival = new Map<number, number>();
  let duplicateWatchers = 0;
  for (const { seqs, times } of watchers) {
    if (new Set(seqs).size !== seqs.length) duplicateWatchers += 1;
    seqs.forEach((seq, index) => {
      const at = times[index] as number;
      if (at < (firstArrival.get(seq) ?? Number.POSITIVE_INFINITY)) firstArrival.set(seq, at);
    });
  }
  const arrivals = [...firstArrival.values()].sort((x, y) => x - y);
  const updates = arrivals.length;
  const spanMs = updates > 1 ? (arrivals[updates - 1] as number) - (arrivals[0] as number) : 0;
  const allowed = Math.floor(spanMs / tickMs) + 3;
  return {
    updates,
    /** The server's update period, from the first arrivals: span over (updates - 1). */
    periodMs: updates > 1 ? spanMs / (updates - 1) : Number.NaN,
    /** Updates beyond what the span of ticks allows (a failure when > 0). */
    extra: Math.max(0, updates - allowed),
    duplicateWatchers,
  };
}

interface ServiceFigures {
  /** (ballot, watcher) pairs: from the k-th 201 to the watcher's first update with totalBallots >= k. */
  latency: Distribution;
  /** Pairs whose update arrived before the 201 was handled (negative latency: the answer was slower). */
  earlyPairs: number;
  /** Pairs without such an update (the run fails). */
  missingPairs: number;
  updatesPerWatcher: number;
  /** Mean over watchers of (updates - 1) / (last arrival - first arrival). */
  updatesPerWatcherPerSecond: number;
  maxUpdatesPerWatcherPerSecond: number;
  /** The server's update period (first arrivals), and updates beyond one per tick; see tickCheck. */
  serverPeriodMs: number;
  updatesOverTickLimit: number;
  /** Watchers that got an update (seq) twice. */
  duplicateWatchers: number;
  meanChangesPerUpdate: number;
  meanJsonBytesPerUpdate: number;
  spread: Distribution;
}

function serviceFigures(
  acks: readonly number[],
  watchers: readonly WatcherReport[],
  updates: readonly string[],
  tickMs: number,
): ServiceFigures {
  const pairs = new Float64Array(acks.length * watchers.length);
  let filled = 0;
  let early = 0;
  let missing = 0;
  for (const { times, totals } of watchers) {
    let j = 0;
    for (let k = 1; k <= acks.length; k += 1) {
      while (j < totals.length && (totals[j] as number) < k) j += 1;
      if (j >= totals.length) {
        missing += acks.length - k + 1;
        break;
      }
      const latency = (times[j] as number) - (acks[k - 1] as number);
      if (latency < 0) early += 1;
      pairs[filled++] = latency;
    }
  }
  const rates = updateRates(watchers);
  const ticks = tickCheck(watchers, tickMs);
  let changes = 0;
  let bytes = 0;
  for (const json of updates) {
    changes += (JSON.parse(json) as LeaderboardUpdate).changes.length;
    bytes += Buffer.byteLength(json);
  }
  return {
    latency: distribution(pairs.subarray(0, filled)),
    earlyPairs: early,
    missingPairs: missing,
    updatesPerWatcher: watchers.reduce((sum, watcher) => sum + watcher.times.length, 0) / watchers.length,
    updatesPerWatcherPerSecond: rates.mean,
    maxUpdatesPerWatcherPerSecond: rates.max,
    serverPeriodMs: ticks.periodMs,
    updatesOverTickLimit: ticks.extra,
    duplicateWatchers: ticks.duplicateWatchers,
    meanChangesPerUpdate: updates.length > 0 ? changes / updates.length : Number.NaN,
    meanJsonBytesPerUpdate: updates.length > 0 ? bytes / updates.length : Number.NaN,
    spread: distribution(spreads(watchers)),
  };
}

interface SenderFigures {
  sent: number;
  /** Requests over the time from the first scheduled send to the last answer. */
  achievedPerSecond: number;
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  answerP50Ms: number;
  answerP99Ms: number;
  non2xx: number;
  /** Requests that ended with ECONNRESET (the server or the kernel reset the connection). */
  resets: number;
  statuses: Record<string, number>;
}

function senderFigures(run: OpenLoopRun, answerMs: Float64Array, outcomes: Outcomes): SenderFigures {
  const lag = Float64Array.from(run.sendLag).sort();
  const answers = Float64Array.from(answerMs).sort();
  let ok = 0;
  for (const [status, count] of outcomes.statuses) if (status.startsWith("2")) ok += count;
  return {
    sent: run.sendLag.length,
    achievedPerSecond: run.sendLag.length / (run.elapsedMs / 1000),
    sendLagP99Ms: percentile(lag, 0.99),
    sendLagMaxMs: lag[lag.length - 1] ?? Number.NaN,
    answerP50Ms: percentile(answers, 0.5),
    answerP99Ms: percentile(answers, 0.99),
    non2xx: run.sendLag.length - ok,
    resets: outcomes.statuses.get("ERR:ECONNRESET") ?? 0,
    statuses: Object.fromEntries([...outcomes.statuses].sort(([a], [b]) => a.localeCompare(b))),
  };
}

function tally(outcomes: Outcomes, outcome: string): void {
  outcomes.statuses.set(outcome, (outcomes.statuses.get(outcome) ?? 0) + 1);
}

/** Stops a server child and records an unexpected or unclean exit as a problem. */
async function stopChecked(server: ServerChild, problems: string[]): Promise<void> {
  const unexpected = server.unexpectedExit;
  const exit = await server.stop();
  if (unexpected) problems.push(`${server.name} exited during the run (${unexpected})`);
  else if (exit !== "code 0") problems.push(`${server.name} did not exit cleanly on SIGTERM (${exit})`);
  progress(
    `${server.name}: stopped (${exit}); it printed ${server.stdoutLines} stdout and ${server.stderrLines} stderr lines`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The run

interface Correctness {
  /** The organiser's GET /api/rounds/:id/leaderboard after the last answer. */
  totalBallots: number;
  seq: number;
  /** Ballots answered 201. */
  answered201: number;
  perOptionMatches: boolean;
  /** Watchers whose final board equals that leaderboard exactly. */
  boardsEqual: number;
  gaps: number;
  rejoins: number;
  roundNotices: number;
  disconnects: number;
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
  const ballotCount = options.rate * options.seconds;

  // 1. Redis: REDIS_URL, or a private redis-server (append-only file, fsync every second) in a temp dir.
  const redis = await startRedis();

  // 2. The real backend process, with the tick under test.
  // With --split, two processes that share their secrets: the ballots' one (measured as "backend") and the watchers'.
  const env = {
    LIVE_TICK_MS: String(options.tickMs),
    ADMIN_TOKEN: randomBytes(24).toString("base64url"),
    VOTER_TOKEN_SECRET: randomBytes(32).toString("hex"),
  };
  const nodeArgs = options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const target = await startBackend(redis.url, { ...env, ...(options.split ? { ROLE: "ingest" } : {}) }, nodeArgs);
  const live = options.split ? await startBackend(redis.url, { ...env, ROLE: "live" }, nodeArgs) : target;
  const { server: backend, port: backendPort, auth } = target;
  progress(
    `backend: node backend/dist/main.js listening on 127.0.0.1:${backendPort} (LIVE_TICK_MS=${options.tickMs})` +
      (options.split ? `, ROLE=ingest; watchers on a ROLE=live one at 127.0.0.1:${live.port}` : ""),
  );
  const controlAgent = newAgent(MINT_CONCURRENCY);

  // 3. One round from the demo data, created and opened by the organiser.
  const roundId = `fanout-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const round = await openDemoRound(controlAgent, target, roundId);
  progress(
    `round: ${roundId} open (${round.options.length} options, ${round.rules.minChoices}..${round.rules.maxChoices} picks)`,
  );

  // 4. Voter tokens and ballots, made before anything is timed.
  const tokens = await mintVoters(controlAgent, backendPort, ballotCount, MINT_CONCURRENCY);
  const optionIds = round.options.map((option) => option.id);
  const choices = makeChoices(ballotCount, optionIds, round.rules.minChoices, round.rules.maxChoices, BALLOT_SEED);
  const ballots = ballotsFor(tokens, choices);
  const meanPicks = choices.reduce((sum, picks) => sum + picks.length, 0) / choices.length;

  // 5. The watchers, connected and joined before the first ballot: every one starts from the same board.
  const connectStarted = performance.now();
  const watcherPool = new WatcherProcesses(
    ChildProcesses.start("watchers", options.watcherProcesses, nodeArgs),
    options.client,
  );
  const sender = ChildProcesses.start("sender", 1, nodeArgs);
  const generatorPids = [...watcherPool.pids, ...sender.pids];
  const initialBoard = await watcherPool.connect(
    `http://127.0.0.1:${live.port}`,
    roundId,
    null,
    options.watchers,
    options.view,
  );
  if (!initialBoard) throw new Error("watcher 0 got no board");
  progress(
    `watchers: ${options.watchers} connected and joined in ${((performance.now() - connectStarted) / 1000).toFixed(1)} s ` +
      `(${watcherPool.count} processes, pids ${watcherPool.pids.join(" ")}; sender pid ${sender.pids.join(" ")})`,
  );

  // 6. The measured run: every ballot open-loop from the sender process, all starting together (no warm-up);
  // the k-th 201 answer's arrival time is acks[k - 1]; a ballot's answer time counts from its scheduled send.
  const ballotPath = `/api/rounds/${roundId}/ballots`;
  const ballotOutcomes: Outcomes = { statuses: new Map(), samples: new Map() };
  progress(`service: sending ${ballotCount} ballots at ${options.rate}/s for ${options.seconds} s …`);
  // With --split, "backend" is both processes: the ballots' (ROLE=ingest) and the watchers' (ROLE=live).
  const backendPids = [backend.child.pid, ...(live !== target ? [live.server.child.pid] : [])];
  const serviceCpuBefore = cpuSnapshot(backendPids, redis.pid, generatorPids);
  const serviceWatcherMsBefore = watcherPool.cpuMs();
  const sent = await abortable(
    sender.call<SenderReport>(sender.processes[0] as ChildProcess, {
      type: "send",
      port: backendPort,
      path: ballotPath,
      rate: options.rate,
      ballots: ballots.map(({ token, body }) => ({ token, body: body.toString("utf8") })),
    }),
  );
  const intervalMs = 1000 / options.rate;
  const ballotAnswerMs = sent.answeredAt.map((at, index) => at - (sent.startedAt + index * intervalMs));
  const answered201 = sent.outcomes.map((outcome) => outcome === "201");
  const acks = [...sent.answeredAt.filter((_, index) => answered201[index])].sort((a, b) => a - b);
  for (const outcome of sent.outcomes) tally(ballotOutcomes, outcome);
  for (const [outcome, sample] of sent.samples) ballotOutcomes.samples.set(outcome, sample);
  const serviceSend: OpenLoopRun = { startedAt: sent.startedAt, elapsedMs: sent.elapsedMs, sendLag: sent.sendLag };
  problems.push(...reportNon201("service", ballotOutcomes));
  if (backend.unexpectedExit) {
    throw new Error(`the backend exited during the run (${backend.unexpectedExit}): ${problems.join("; ")}`);
  }

  // 7. Correctness: the organiser's leaderboard after the last answer; every watcher must reach it exactly.
  const expected = await expectJson<Leaderboard>(
    httpRequest(controlAgent, backendPort, "GET", `/api/rounds/${roundId}/leaderboard`, { headers: auth }),
    200,
    "GET leaderboard",
  );
  const behind = await watcherPool.wait(expected.seq, drainTimeoutMs(options.tickMs));
  const serviceCpuAfter = cpuSnapshot(backendPids, redis.pid, generatorPids);
  const serviceWatcherMs = watcherPool.cpuMs() - serviceWatcherMsBefore;
  const serviceCpu = cpuShare(serviceCpuBefore, serviceCpuAfter);
  const serviceReport = await watcherPool.report();
  const watchers = serviceReport.watchers;
  progress(
    `service: ${acks.length} of ${ballotCount} ballots answered 201 in ${(serviceSend.elapsedMs / 1000).toFixed(1)} s; ` +
      (behind === 0 ? "every watcher caught up" : `${behind} watchers did NOT catch up`),
  );
  if (behind > 0) {
    problems.push(`${behind} watchers did not reach seq ${expected.seq} within ${drainTimeoutMs(options.tickMs)} ms`);
  }
  const expectedVotes = new Map<string, number>(optionIds.map((id) => [id, 0]));
  choices.forEach((picks, index) => {
    if (answered201[index]) for (const id of picks) expectedVotes.set(id, (expectedVotes.get(id) ?? 0) + 1);
  });
  const wrongOptions = expected.entries.filter((entry) => entry.votes !== expectedVotes.get(entry.optionId));
  const unequal = watchers.filter((watcher) => !isDeepStrictEqual(watcher.board, expected));
  const sum = (pick: (watcher: WatcherReport) => number) =>
    watchers.reduce((total, watcher) => total + pick(watcher), 0);
  const correctness: Correctness = {
    totalBallots: expected.totalBallots,
    seq: expected.seq,
    answered201: acks.length,
    perOptionMatches:
      !expected.resultsHidden && wrongOptions.length === 0 && expected.entries.length === optionIds.length,
    boardsEqual: watchers.length - unequal.length,
    gaps: sum((watcher) => watcher.gaps),
    rejoins: sum((watcher) => watcher.rejoins),
    roundNotices: sum((watcher) => watcher.roundNotices),
    disconnects: watchers.filter((watcher) => watcher.disconnected !== null).length,
    ok: false,
  };
  if (expected.totalBallots !== acks.length) {
    problems.push(`leaderboard totalBallots is ${expected.totalBallots}, but ${acks.length} ballots got 201`);
  }
  if (!correctness.perOptionMatches) {
    const first = wrongOptions
      .slice(0, 5)
      .map((entry) => `${entry.optionId}: ${entry.votes} (expected ${expectedVotes.get(entry.optionId)})`);
    problems.push(
      `leaderboard votes differ from what was counted for ${wrongOptions.length} options ` +
        `(resultsHidden ${expected.resultsHidden}, ${expected.entries.length} entries): ${first.join(", ")}`,
    );
  }
  const firstUnequal = unequal[0];
  if (firstUnequal) {
    const { board } = firstUnequal;
    const differing = board.entries.filter((entry, i) => !isDeepStrictEqual(entry, expected.entries[i])).length;
    problems.push(
      `${unequal.length} of ${watchers.length} watchers' final boards differ from GET leaderboard; the first has ` +
        `seq ${board.seq} (expected ${expected.seq}), totalBallots ${board.totalBallots} (expected ` +
        `${expected.totalBallots}), ${differing} entries differ`,
    );
  }
  if (correctness.gaps > 0 || correctness.rejoins > 0) {
    problems.push(`${correctness.gaps} updates did not apply (gaps) and ${correctness.rejoins} rejoins happened`);
  }
  if (correctness.disconnects > 0) {
    const reasons = [...new Set(watchers.map((watcher) => watcher.disconnected).filter(Boolean))];
    problems.push(`${correctness.disconnects} watchers were disconnected during the run (${reasons.join(", ")})`);
  }
  if (correctness.roundNotices > 0) {
    warnings.push(`${correctness.roundNotices} round:updated / round:reset notices arrived (none were expected)`);
  }
  const service = serviceFigures(acks, watchers, serviceReport.updates, options.tickMs);
  if (service.missingPairs > 0) {
    problems.push(`${service.missingPairs} (ballot, watcher) pairs never got an update that covers the ballot`);
  }
  if (service.updatesOverTickLimit > 0) {
    problems.push(
      `the server sent ${service.updatesOverTickLimit} updates more than one per tick (${options.tickMs} ms) allows ` +
        `(period from the first arrivals ${service.serverPeriodMs.toFixed(1)} ms)`,
    );
  }
  if (service.duplicateWatchers > 0) {
    problems.push(`${service.duplicateWatchers} watchers got an update (the same seq) more than once`);
  }
  const serviceSender = senderFigures(serviceSend, ballotAnswerMs, ballotOutcomes);
  correctness.ok =
    behind === 0 &&
    expected.totalBallots === acks.length &&
    correctness.perOptionMatches &&
    unequal.length === 0 &&
    correctness.gaps === 0 &&
    correctness.rejoins === 0 &&
    correctness.disconnects === 0 &&
    service.missingPairs === 0;
  controlAgent.destroy();
  await stopChecked(backend, problems);
  if (live !== target) await stopChecked(live.server, problems);

  // 8. Baseline: the bare Socket.IO server broadcasts the same updates to the same number of watchers (same
  // processes, same handler, same applyLeaderboardUpdate), one per POST /emit, at the service's update rate.
  throwIfAborted();
  const serviceIntervalMs = 1000 / service.updatesPerWatcherPerSecond;
  const bare = await runBare(
    watcherPool,
    options.watchers,
    initialBoard,
    serviceReport.updates,
    Number.isFinite(serviceIntervalMs) ? serviceIntervalMs : options.tickMs,
    redis.pid,
    problems,
  );

  // 9. Report.
  const cpus = os.cpus();
  const machine = {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((value) => Number(value.toFixed(2))),
  };
  for (const [label, share] of [
    ["service", serviceCpu],
    ["bare socket.io", bare.cpu],
  ] as const) {
    if (share.other !== null && share.other > BUSY_MACHINE_CORES) {
      warnings.push(`other programs used ${share.other.toFixed(2)} cores during the ${label} run`);
    }
  }
  // A late send does not bias a latency (each is measured from its own answer), but a sender that fell behind
  // by more than a tick no longer spreads the ballots evenly over the tick.
  for (const [label, sender] of [
    ["service", serviceSender],
    ["bare", bare.sender],
  ] as const) {
    if (sender.sendLagP99Ms > options.tickMs / 2) {
      warnings.push(
        `the ${label} sender fell behind its schedule (p99 lag ${sender.sendLagP99Ms.toFixed(1)} ms > tick/2)`,
      );
    }
  }
  const p50ToTick = service.latency.p50Ms / options.tickMs;
  const overhead = service.latency.p50Ms / (options.tickMs / 2 + bare.latency.p50Ms);
  // The hub schedules its next tick when the last one has finished, so updates come every tick + the tick's own
  // work (reading Redis, emitting to every socket): the same ratio against the period the watchers saw.
  const periodMs = 1000 / service.updatesPerWatcherPerSecond;
  // Issue 8's fan-out targets, judged on this run (figures, not checks: the run does not fail on them).
  const targets = {
    answerP99: { value: serviceSender.answerP99Ms, limit: 100, met: serviceSender.answerP99Ms <= 100 },
    watcherP50: { value: service.latency.p50Ms, limit: 75, met: service.latency.p50Ms <= 75 },
    watcherP99: { value: service.latency.p99Ms, limit: 150, met: service.latency.p99Ms <= 150 },
    period: {
      value: periodMs,
      limit: options.tickMs * 1.1,
      met: Math.abs(periodMs - options.tickMs) <= options.tickMs / 10,
    },
    resets: { value: serviceSender.resets, limit: 0, met: serviceSender.resets === 0 },
  };
  const overheadVsPeriod = service.latency.p50Ms / (periodMs / 2 + bare.latency.p50Ms);
  // The harness's own cost: this process's CPU over the (update, watcher) deliveries it handled.
  const deliveries = service.updatesPerWatcher * watchers.length;
  const harness = {
    serviceUsPerDelivery: (serviceCpu.generator * (serviceCpuAfter.at - serviceCpuBefore.at) * 1000) / deliveries,
    bareUsPerDelivery: bare.generatorUsPerDelivery,
    serviceWatcherCores: serviceWatcherMs / (serviceCpuAfter.at - serviceCpuBefore.at),
    serviceWatcherUsPerDelivery: (serviceWatcherMs * 1000) / deliveries,
    bareWatcherCores: bare.watcherCores,
    bareWatcherUsPerDelivery: bare.watcherUsPerDelivery,
  };
  const result = {
    benchmark: "fanout",
    startedAt: startedAt.toISOString(),
    revision,
    machine,
    options: {
      watchers: options.watchers,
      rate: options.rate,
      seconds: options.seconds,
      tickMs: options.tickMs,
      split: options.split,
      liveFanoutSlice: Number(process.env.LIVE_FANOUT_SLICE ?? 200),
      ballots: ballotCount,
      seed: BALLOT_SEED,
      watcherProcesses: options.watcherProcesses,
      view: options.view,
      client: options.client,
      redis: redis.label,
    },
    ballots: { meanPicks },
    service: { ...service, sender: serviceSender },
    bare: {
      latency: bare.latency,
      missingPairs: bare.missingPairs,
      spread: bare.spread,
      emitMs: bare.emitMs,
      intervalMs: bare.intervalMs,
      sender: bare.sender,
    },
    p50ToTick,
    overhead,
    updatePeriodMs: periodMs,
    overheadVsPeriod,
    targets,
    harness,
    cpu: { backgroundCores: background, service: serviceCpu, bare: bare.cpu },
    correctness,
    problems,
    warnings,
    ok: problems.length === 0,
  };

  const table = renderTable(result);
  writeReport(table, result, options.json);
  return result.ok ? 0 : 1;
}

interface BareRun {
  /** (message, watcher) pairs: from just before POST /emit was sent to the message's arrival at the watcher. */
  latency: Distribution;
  missingPairs: number;
  spread: Distribution;
  /** The synchronous io.emit() call in the bare server (encode once, write to every socket), as it reported. */
  emitMs: Distribution;
  intervalMs: number;
  sender: SenderFigures;
  cpu: CpuShare;
  /** This process's CPU (µs) per (message, watcher) delivery: the watchers' own cost, plus the few POSTs. */
  generatorUsPerDelivery: number;
  /** The watcher processes alone: cores, and CPU (µs) per (message, watcher) delivery. */
  watcherCores: number;
  watcherUsPerDelivery: number;
}

async function runBare(
  watcherPool: WatcherProcesses,
  watcherCount: number,
  initialBoard: Leaderboard,
  updates: readonly string[],
  intervalMs: number,
  redisPid: number | undefined,
  problems: string[],
): Promise<BareRun> {
  const port = await freePort();
  const server = await startServerChild(
    "bare",
    ["--import", import.meta.resolve("tsx"), bareSocketServerScript],
    { PORT: String(port), HOST: "127.0.0.1", BARE_EVENT: UPDATE_EVENT },
    port,
  );
  const connectStarted = performance.now();
  await watcherPool.connect(`http://127.0.0.1:${port}`, null, initialBoard, watcherCount);
  progress(
    `bare socket.io: ${watcherCount} watchers connected in ${((performance.now() - connectStarted) / 1000).toFixed(1)} s; ` +
      `replaying the ${updates.length} updates, one every ${intervalMs.toFixed(1)} ms …`,
  );
  // One connection: the POSTs reach the server (and are broadcast) in the order they were sent, also when the
  // machine is busy and several leave at once; each update builds on the one before.
  const agent = newAgent(1);
  const seqs = updates.map((json) => (JSON.parse(json) as LeaderboardUpdate).seq);
  const indexOfSeq = new Map(seqs.map((seq, index) => [seq, index]));
  const sentAt = new Float64Array(updates.length);
  const answerMs = new Float64Array(updates.length);
  const emitMs: number[] = [];
  const outcomes: Outcomes = { statuses: new Map(), samples: new Map() };
  const cpuBefore = cpuSnapshot(server.child.pid, redisPid, watcherPool.pids);
  const watcherMsBefore = watcherPool.cpuMs();
  const send = await openLoop(updates.length, 1000 / intervalMs, async (index) => {
    const sent = performance.now();
    sentAt[index] = sent;
    let outcome: string;
    try {
      const answer = await httpRequest(agent, port, "POST", "/emit", { body: updates[index] as string });
      outcome = String(answer.status);
      if (outcome === "200") emitMs.push((JSON.parse(answer.body.toString("utf8")) as { emitMs: number }).emitMs);
      else if (!outcomes.samples.has(outcome))
        outcomes.samples.set(outcome, answer.body.toString("utf8").slice(0, 300));
    } catch (error) {
      outcome = `ERR:${(error as NodeJS.ErrnoException).code ?? describeError(error)}`;
      if (!outcomes.samples.has(outcome)) outcomes.samples.set(outcome, describeError(error));
    }
    answerMs[index] = performance.now() - sent;
    tally(outcomes, outcome);
  });
  const lastSeq = seqs[seqs.length - 1] ?? initialBoard.seq;
  const behind = await watcherPool.wait(lastSeq, 10_000);
  const cpuAfter = cpuSnapshot(server.child.pid, redisPid, watcherPool.pids);
  const watcherMs = watcherPool.cpuMs() - watcherMsBefore;
  const cpu = cpuShare(cpuBefore, cpuAfter);
  const report = await watcherPool.report();
  progress(`bare socket.io: ${updates.length} messages sent in ${(send.elapsedMs / 1000).toFixed(1)} s`);
  for (const [outcome, count] of outcomes.statuses) {
    if (outcome !== "200") {
      problems.push(
        `bare socket.io: ${count} × ${outcome} on POST /emit — first: ${outcomes.samples.get(outcome) ?? ""}`,
      );
    }
  }

  const pairs: number[] = [];
  for (const { seqs: received, times } of report.watchers) {
    received.forEach((seq, i) => {
      const index = indexOfSeq.get(seq);
      if (index !== undefined) pairs.push((times[i] as number) - (sentAt[index] as number));
    });
  }
  const missing = watcherCount * updates.length - pairs.length;
  if (behind > 0 || missing > 0) {
    problems.push(`bare socket.io: ${missing} (message, watcher) pairs never arrived (${behind} watchers behind)`);
  }
  const gaps = report.watchers.reduce((total, watcher) => total + watcher.gaps, 0);
  const finalEqual = report.watchers.filter((watcher) => isDeepStrictEqual(watcher.board, report.watchers[0]?.board));
  if (gaps > 0 || finalEqual.length !== watcherCount) {
    problems.push(`bare socket.io: ${gaps} replayed updates did not apply; ${finalEqual.length} boards agree`);
  }
  const disconnects = report.watchers.filter((watcher) => watcher.disconnected !== null).length;
  if (disconnects > 0) problems.push(`bare socket.io: ${disconnects} watchers were disconnected during the run`);
  agent.destroy();
  await stopChecked(server, problems);
  return {
    latency: distribution(Float64Array.from(pairs)),
    missingPairs: missing,
    spread: distribution(spreads(report.watchers)),
    emitMs: distribution(Float64Array.from(emitMs)),
    intervalMs,
    sender: senderFigures(send, answerMs, outcomes),
    cpu,
    generatorUsPerDelivery: (cpu.generator * (cpuAfter.at - cpuBefore.at) * 1000) / pairs.length,
    watcherCores: watcherMs / (cpuAfter.at - cpuBefore.at),
    watcherUsPerDelivery: (watcherMs * 1000) / pairs.length,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The table

function renderTable(result: {
  startedAt: string;
  revision: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string; memoryGiB: number; loadAverage: number[] };
  options: {
    watchers: number;
    rate: number;
    seconds: number;
    tickMs: number;
    split: boolean;
    liveFanoutSlice: number;
    ballots: number;
    watcherProcesses: number;
    view: string;
    client: string;
    redis: string;
  };
  ballots: { meanPicks: number };
  service: ServiceFigures & { sender: SenderFigures };
  bare: {
    latency: Distribution;
    spread: Distribution;
    emitMs: Distribution;
    intervalMs: number;
    sender: SenderFigures;
  };
  p50ToTick: number;
  overhead: number;
  updatePeriodMs: number;
  overheadVsPeriod: number;
  targets: Record<string, { value: number; limit: number; met: boolean }>;
  harness: {
    serviceUsPerDelivery: number;
    bareUsPerDelivery: number;
    serviceWatcherCores: number;
    serviceWatcherUsPerDelivery: number;
    bareWatcherCores: number;
    bareWatcherUsPerDelivery: number;
  };
  cpu: { backgroundCores: number; service: CpuShare; bare: CpuShare };
  correctness: Correctness;
  problems: string[];
  warnings: string[];
}): string {
  const n0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const ms = (value: number) => value.toFixed(1);
  const row = (cells: string[]) =>
    cells.map((cell, index) => (index === 0 ? cell.padEnd(40) : cell.padStart(9))).join("");
  const latencyRow = (label: string, d: Distribution) =>
    row([label, ms(d.minMs), ms(d.p50Ms), ms(d.p95Ms), ms(d.p99Ms), ms(d.maxMs), n0.format(d.count).padStart(11)]);
  const { machine, options, service, bare, correctness } = result;
  const lines = [
    "",
    `Fan-out benchmark, ${result.startedAt}, source ${result.revision}`,
    `machine: node ${machine.node}, ${machine.platform}, ${machine.cpus} × ${machine.cpuModel}, ` +
      `${machine.memoryGiB} GiB; load average at the end ${machine.loadAverage.join(" ")}`,
    `run: ${options.watchers} watchers (${options.client} client, WebSocket, view "${options.view}", in ` +
      `${options.watcherProcesses} processes), ` +
      `${options.rate} ballots/s open-loop for ${options.seconds} s (${options.ballots} ballots, ` +
      `${result.ballots.meanPicks.toFixed(1)} picks on average), LIVE_TICK_MS ${options.tickMs}, ` +
      `LIVE_FANOUT_SLICE ${options.liveFanoutSlice}${options.split ? ", ballots to ROLE=ingest, watchers on ROLE=live" : ""}`,
    `redis: ${options.redis}`,
    "",
    row(["latency per (message, watcher)", "min ms", "p50 ms", "p95 ms", "p99 ms", "max ms", "pairs".padStart(11)]),
    latencyRow("service: 201 → first update covering it", service.latency),
    latencyRow("bare socket.io: POST /emit → arrival", bare.latency),
    `service p50 / tick: ${result.p50ToTick.toFixed(2)};  overhead: service p50 / (tick/2 + bare p50) = ` +
      `${ms(service.latency.p50Ms)} / (${ms(options.tickMs / 2)} + ${ms(bare.latency.p50Ms)}) = ` +
      `${result.overhead.toFixed(2)}`,
    `update period seen by the watchers: ${ms(result.updatePeriodMs)} ms (tick + the tick's own work); ` +
      `service p50 / (period/2 + bare p50) = ${result.overheadVsPeriod.toFixed(2)}`,
    `service pairs whose update arrived before the 201 answer: ${n0.format(service.earlyPairs)}`,
    `issue 8 targets (for screens, --view board): ${Object.entries(result.targets)
      .map(([name, { value, limit, met }]) => `${name} ${ms(value)} (≤ ${ms(limit)}) ${met ? "met" : "MISSED"}`)
      .join("; ")}`,
    "",
    `updates: ${service.updatesPerWatcher.toFixed(1)} per watcher, ${service.updatesPerWatcherPerSecond.toFixed(2)}/s per ` +
      `watcher (max ${service.maxUpdatesPerWatcherPerSecond.toFixed(2)}); server period from the first arrivals ` +
      `${service.serverPeriodMs.toFixed(1)} ms (at least the tick, ${options.tickMs}; ${service.updatesOverTickLimit} ` +
      `over one per tick); ` +
      `${service.meanChangesPerUpdate.toFixed(1)} changes and ${n0.format(service.meanJsonBytesPerUpdate)} JSON bytes ` +
      "per update on average",
    `spread, first → last watcher per update: service p50 ${ms(service.spread.p50Ms)} ms, max ` +
      `${ms(service.spread.maxMs)} ms; bare p50 ${ms(bare.spread.p50Ms)} ms, max ${ms(bare.spread.maxMs)} ms ` +
      `(bare io.emit() call p50 ${ms(bare.emitMs.p50Ms)} ms, max ${ms(bare.emitMs.maxMs)} ms)`,
    `senders: ballots ${n0.format(service.sender.achievedPerSecond)}/s, lag p99 ${ms(service.sender.sendLagP99Ms)} ms, ` +
      `201 in p50 ${ms(service.sender.answerP50Ms)} ms / p99 ${ms(service.sender.answerP99Ms)} ms, non-201 ` +
      `${service.sender.non2xx} (connection resets ${service.sender.resets}); bare emits every ${ms(bare.intervalMs)} ms, lag p99 ${ms(bare.sender.sendLagP99Ms)} ms, ` +
      `200 in p50 ${ms(bare.sender.answerP50Ms)} ms, non-200 ${bare.sender.non2xx}`,
    "",
    `cpu in cores (of ${machine.cpus}): before the run, other programs ${result.cpu.backgroundCores.toFixed(2)}; ` +
      "load generator = ballot sender + watchers",
    cpuLine("service run", options.split ? "backends (ingest + live)" : "backend", result.cpu.service),
    cpuLine("bare run", "bare server", result.cpu.bare),
    `  load generator per (update, watcher) delivered: service run ${n0.format(result.harness.serviceUsPerDelivery)} µs ` +
      `(with the ballot sender), bare run ${n0.format(result.harness.bareUsPerDelivery)} µs`,
    `  watcher processes alone (${options.client} client): service run ${result.harness.serviceWatcherCores.toFixed(2)} ` +
      `cores, ${n0.format(result.harness.serviceWatcherUsPerDelivery)} µs per delivery; bare run ` +
      `${result.harness.bareWatcherCores.toFixed(2)} cores, ${n0.format(result.harness.bareWatcherUsPerDelivery)} µs`,
    "",
    `correctness: ${correctness.boardsEqual} of ${options.watchers} final boards equal GET leaderboard (seq ` +
      `${correctness.seq}, totalBallots ${correctness.totalBallots}, ${correctness.answered201} answered 201), ` +
      `per-option votes ${correctness.perOptionMatches ? "match" : "DIFFER"}, gaps ${correctness.gaps}, rejoins ` +
      `${correctness.rejoins}, disconnects ${correctness.disconnects}, missing pairs ${service.missingPairs}`,
  ];
  if (result.warnings.length > 0) {
    lines.push("", "WARNINGS (figures less trustworthy):", ...result.warnings.map((warning) => `  - ${warning}`));
  }
  if (result.problems.length > 0) {
    lines.push("", "PROBLEMS:", ...result.problems.map((problem) => `  - ${problem}`));
  } else {
    lines.push("result: ok (every ballot 201, every watcher's final board exact, no gaps)");
  }
  return lines.join("\n");
}

if (process.env.FANOUT_CHILD === "watchers") watcherProcess();
else if (process.env.FANOUT_CHILD === "sender") senderProcess();
else await runMain(main, USAGE);
