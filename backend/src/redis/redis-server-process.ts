import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import {
  claimDataDir,
  type DataDirFiles,
  dataDirFiles,
  preparePrivateDir,
  readOrCreatePassword,
  removeLock,
  writeLock,
  writePrivateFile,
} from "./data-dir-lock.js";

/** How long a starting redis-server may take to say it is ready. */
const READY_TIMEOUT_MS = 10_000;
/** How many free ports to try when another process takes the probed one first. */
const PORT_ATTEMPTS = 3;
/**
 * How long a stopping redis-server may take to flush and exit before it is killed. It refuses to exit on
 * SIGTERM when its final snapshot fails (a full disk, a deleted folder); the append-only file is fsynced by then.
 */
const STOP_TIMEOUT_MS = 10_000;
/** Supervision: the first restart waits this long, each next one twice as long, up to the maximum. */
const RESTART_BACKOFF_MIN_MS = 100;
const RESTART_BACKOFF_MAX_MS = 5_000;
/** A redis-server that stayed up this long has recovered: the next crash starts the backoff again. */
const RESTART_BACKOFF_RESET_MS = 30_000;

/**
 * `always`: Redis writes and fsyncs the append-only file before it answers (one fsync per event-loop turn, shared
 * by every command of that turn), so a 201 is on disk. `everysec` answers first and may lose about the last
 * 2 s of acknowledged writes on a crash of redis-server itself (see the README's "Security and failure model").
 */
export type AppendFsync = "always" | "everysec" | "no";

export interface RedisServerProcess {
  /** `redis://:<password>@127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The running redis-server's process id (changes when supervision restarts it; tests kill it). */
  readonly pid: number;
  /** How many times supervision has restarted it. */
  readonly restarts: number;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Where redis-server keeps its files (created if missing, made private: 700, files 600). */
  dir: string;
  /** Append-only file on: acknowledged writes survive a restart (the default for real use). */
  appendOnly: boolean;
  /** When the append-only file is fsynced (default `always`: an acknowledged write survives kill -9 and power cuts). */
  appendFsync?: AppendFsync;
  /** Port to listen on (default: a free one). Tests restart a killed server on its port so clients reconnect. */
  port?: number;
  /** Restart redis-server (same port, same files) with backoff when it dies unexpectedly. */
  supervise?: boolean;
  /** redis-server gets SIGTERM when this process dies, even by kill -9 (Linux, `setpriv`). Default true. */
  dieWithParent?: boolean;
  /** Where restarts, orphans and missing tools are reported (default console.log). */
  log?: (line: string) => void;
}

export class RedisServerNotFoundError extends Error {
  constructor() {
    super(
      "redis-server was not found on PATH. Install Redis (Debian/Ubuntu: `sudo apt-get install redis-server`, " +
        "macOS: `brew install redis`) or set REDIS_URL to a running Redis.",
    );
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** util-linux's setpriv, which sets the parent-death signal before it runs redis-server (Linux only). */
const setprivPath: string | undefined =
  process.platform === "linux"
    ? (process.env.PATH ?? "")
        .split(delimiter)
        .map((folder) => join(folder, "setpriv"))
        .find((candidate) => existsSync(candidate))
    : undefined;

/**
 * Starts a private redis-server on a loopback port, with a generated password and private files, one per data
 * folder. Used by `npm start` when REDIS_URL is unset (supervised), and by tests and benchmarks.
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServerProcess> {
  const log = options.log ?? ((line: string) => console.log(line));
  const files = dataDirFiles(options.dir);
  preparePrivateDir(files.dir);
  const password = readOrCreatePassword(files);
  await claimDataDir(files, password, log);
  const dieWithParent = options.dieWithParent ?? true;
  if (dieWithParent && !setprivPath && process.platform === "linux") {
    log(
      "setpriv (util-linux) is not on PATH: redis-server will outlive a kill -9 of this process until the next start",
    );
  }
  const launch = (port: number) => {
    writePrivateFile(files.config, redisConfig(port, password, options));
    return spawnRedis(files, dieWithParent);
  };

  // The free port can be taken between probing and binding; redis-server then exits, and we probe again.
  let child: ChildProcess;
  let port: number;
  for (let attempt = 1; ; attempt++) {
    port = options.port ?? (await freePort());
    child = launch(port);
    try {
      await waitUntilReady(child);
      break;
    } catch (error) {
      const portTaken = String(error).includes("Address already in use");
      if (options.port === undefined && attempt < PORT_ATTEMPTS && portTaken) continue;
      throw error;
    }
  }
  writeLock(files, { owner: process.pid, pid: child.pid ?? -1, port });

  let stopping = false;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let backoffMs = RESTART_BACKOFF_MIN_MS;
  let startedAt = Date.now();

  const supervise = (running: ChildProcess) => {
    running.once("exit", (code, signal) => {
      if (stopping || !options.supervise) return;
      if (Date.now() - startedAt > RESTART_BACKOFF_RESET_MS) backoffMs = RESTART_BACKOFF_MIN_MS;
      log(
        `redis-server (pid ${running.pid}) exited unexpectedly (${signal ?? `code ${code}`}); restarting it on ` +
          `port ${port} in ${backoffMs} ms`,
      );
      scheduleRestart();
    });
  };
  const scheduleRestart = () => {
    restartTimer = setTimeout(async () => {
      if (stopping) return;
      const next = launch(port);
      try {
        await waitUntilReady(next);
      } catch (error) {
        backoffMs = Math.min(backoffMs * 2, RESTART_BACKOFF_MAX_MS);
        log(`redis-server did not restart (${firstLine(error)}); trying again in ${backoffMs} ms`);
        scheduleRestart();
        return;
      }
      if (stopping) {
        next.kill("SIGTERM");
        return;
      }
      child = next;
      restarts += 1;
      startedAt = Date.now();
      backoffMs = Math.min(backoffMs * 2, RESTART_BACKOFF_MAX_MS);
      writeLock(files, { owner: process.pid, pid: next.pid ?? -1, port });
      log(`restarted redis-server (pid ${next.pid}) on port ${port} (restart ${restarts})`);
      supervise(next);
    }, backoffMs);
  };
  supervise(child);

  let stopped: Promise<void> | undefined;
  return {
    url: `redis://:${password}@127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid ?? -1;
    },
    get restarts() {
      return restarts;
    },
    stop() {
      stopping = true;
      clearTimeout(restartTimer);
      stopped ??= new Promise<void>((resolve) => {
        const done = () => {
          removeLock(files, child.pid ?? -1);
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const running = child;
        const kill = setTimeout(() => {
          log(`redis-server (pid ${running.pid}) did not stop in ${STOP_TIMEOUT_MS} ms: killing it`);
          running.kill("SIGKILL");
        }, STOP_TIMEOUT_MS);
        running.once("exit", () => {
          clearTimeout(kill);
          done();
        });
        // SIGTERM makes redis-server flush the append-only file before it exits.
        running.kill("SIGTERM");
      });
      return stopped;
    },
  };
}

/**
 * The configuration goes in a 600 file, never on the command line, where `ps` would show the password to every
 * local user.
 */
function redisConfig(port: number, password: string, options: RedisServerOptions): string {
  const quote = (value: string) => JSON.stringify(value);
  return [
    `port ${port}`,
    "bind 127.0.0.1",
    `dir ${quote(options.dir)}`,
    `requirepass ${password}`,
    `appendonly ${options.appendOnly ? "yes" : "no"}`,
    `appendfsync ${options.appendFsync ?? "always"}`,
    // Snapshots beside the append-only file when durable; none for throwaway test servers.
    `save ${quote(options.appendOnly ? "3600 1 300 100 60 10000" : "")}`,
    "daemonize no",
    "",
  ].join("\n");
}

function spawnRedis(files: DataDirFiles, dieWithParent: boolean): ChildProcess {
  const redis = ["redis-server", files.config];
  const command = dieWithParent && setprivPath ? [setprivPath, "--pdeathsig", "TERM", ...redis] : redis;
  // umask 077: the append-only files and snapshots redis-server creates are 600 like the rest of the folder.
  // `exec` keeps one process: its pid is redis-server's, and the parent-death signal set by setpriv is its own.
  return spawn("/bin/sh", ["-c", 'umask 077 && exec "$@"', "sh", ...command], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split("\n")[0] ?? "";
}

function waitUntilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server did not become ready in ${READY_TIMEOUT_MS} ms:\n${output}`));
    }, READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stderr?.off("data", onError);
        child.stdout?.resume();
        child.stderr?.resume();
        child.off("exit", onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      // sh answers 127 when it cannot find redis-server.
      if (code === 127) reject(new RedisServerNotFoundError());
      else reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`));
    };
    child.stdout?.on("data", onData);
    const onError = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stderr?.on("data", onError);
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", onExit);
  });
}
