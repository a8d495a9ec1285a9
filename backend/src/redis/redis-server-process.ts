import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";

/** How long a starting redis-server may take to say it is ready. */
const READY_TIMEOUT_MS = 10_000;
/** How many free ports to try when another process takes the probed one first. */
const PORT_ATTEMPTS = 3;

export interface RedisServerProcess {
  url: string;
  port: number;
  /** The redis-server's process id (tests kill it to simulate a crash). */
  pid: number;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Where redis-server keeps its files (created if missing). */
  dir: string;
  /** Append-only file on: acknowledged writes survive a restart (the default for real use). */
  appendOnly: boolean;
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

/**
 * Starts a private redis-server on a free loopback port, as a child process that dies with us. Used by
 * `npm start` when REDIS_URL is unset, and by tests and benchmarks when no other Redis is offered.
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServerProcess> {
  mkdirSync(options.dir, { recursive: true });
  // The free port can be taken between probing and binding; redis-server then exits, and we probe again.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn("redis-server", redisArgs(port, options), { stdio: ["ignore", "pipe", "pipe"] });
    try {
      await waitUntilReady(child);
    } catch (error) {
      if (attempt < PORT_ATTEMPTS && String(error).includes("Address already in use")) continue;
      throw error;
    }
    let stopped: Promise<void> | undefined;
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      pid: child.pid ?? -1,
      stop() {
        stopped ??= new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          // SIGTERM makes redis-server flush the append-only file before it exits.
          child.kill("SIGTERM");
        });
        return stopped;
      },
    };
  }
}

function redisArgs(port: number, options: RedisServerOptions): string[] {
  return [
    ["--port", String(port)],
    ["--bind", "127.0.0.1"],
    ["--dir", options.dir],
    ["--appendonly", options.appendOnly ? "yes" : "no"],
    // Snapshots beside the append-only file when durable; none for throwaway test servers.
    ["--save", options.appendOnly ? "3600 1 300 100 60 10000" : ""],
    ["--daemonize", "no"],
  ].flat();
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
        child.stdout?.resume();
        child.stderr?.resume();
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === "ENOENT" ? new RedisServerNotFoundError() : error);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`));
    });
  });
}
