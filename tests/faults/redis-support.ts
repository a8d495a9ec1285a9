import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { fileURLToPath } from "node:url";

/**
 * Real processes for the tests of the managed redis-server: the backend's entry point (`node backend/dist/main.js`,
 * as `npm start` runs it) or `npm start` itself, with their output read line by line.
 */

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BACKEND_MAIN = fileURLToPath(new URL("../../backend/dist/main.js", import.meta.url));
/** How long a process gets to print a line we wait for (npm start builds first: turbo, mostly cache hits). */
export const LINE_TIMEOUT_MS = 20_000;

export interface WatchedProcess {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr, line by line. */
  lines: string[];
  /** Resolves with the first line (past or future) that matches; rejects after `timeoutMs` with the output. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills it (SIGKILL) unless it has exited; for clean-up. */
  kill(): void;
}

/**
 * The backend logs JSON lines (backend/src/observability/log.ts): a line's `msg` is the text the tests look for.
 * Any other line (redis-server's, npm's) is kept as printed.
 */
export function logMessage(line: string): string {
  if (!line.startsWith("{")) return line;
  try {
    const record = JSON.parse(line) as { msg?: unknown };
    return typeof record.msg === "string" ? record.msg : line;
  } catch {
    return line;
  }
}

/** Runs `command` with `env` over this process's environment (an undefined value removes the variable). */
export function watchProcess(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  cwd = REPO_ROOT,
): WatchedProcess {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, ...env })) if (value !== undefined) merged[name] = value;
  const child = spawn(command, args, { cwd, env: merged, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const onOutput = (stream: NodeJS.ReadableStream | null) => {
    let partial = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      lines.push(...parts.map(logMessage));
      for (const waiter of waiters) waiter();
    });
  };
  onOutput(child.stdout);
  onOutput(child.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      // Output may still be in the pipes when `exit` fires; `close` comes after the last of it.
      child.once("close", () => {
        for (const waiter of waiters) waiter();
        resolve({ code, signal });
      });
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const watched: WatchedProcess = {
    child,
    lines,
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
    waitForLine(pattern, timeoutMs = LINE_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of lines) {
            const match = pattern.exec(line);
            if (match) {
              finish();
              resolve(match);
              return;
            }
          }
          if (done) {
            finish();
            reject(new Error(`process exited before printing ${pattern}:\n${lines.join("\n")}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no line matched ${pattern} in ${timeoutMs} ms:\n${lines.join("\n")}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
  return watched;
}

/** The backend's entry point with a temp DATA_DIR and no REDIS_URL: it starts its own redis-server. */
export function startMain(env: Record<string, string | undefined>): WatchedProcess {
  return watchProcess(process.execPath, [BACKEND_MAIN], {
    HOST: "127.0.0.1",
    PORT: "0",
    SEED_DEMO: "false",
    STATIC_DIR: "",
    REDIS_URL: undefined,
    ...env,
  });
}

/** `started redis-server (pid N) on port P`: the managed redis-server's pid and port. */
export async function managedRedis(main: WatchedProcess, timeoutMs?: number): Promise<{ pid: number; port: number }> {
  const match = await main.waitForLine(/started redis-server \(pid (\d+)\) on port (\d+)/, timeoutMs);
  return { pid: Number(match[1]), port: Number(match[2]) };
}

/** `listening on http://...:PORT`: the backend's base URL. */
export async function listeningUrl(main: WatchedProcess): Promise<string> {
  const match = await main.waitForLine(/^listening on (http:\/\/\S+)/);
  return match[1] as string;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves once `pid` has exited, rejects after `timeoutMs`. A process that is not our child sends no event when
 * it exits, so this looks again every few milliseconds.
 */
export async function waitForExit(pid: number, timeoutMs = LINE_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("port"))));
    });
  });
}
