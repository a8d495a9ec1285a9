import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";

/**
 * The files a managed redis-server keeps beside its data, and the rule "one redis-server per data folder":
 * a lock file names the redis-server and the process that started it, so the next start can tell a live
 * owner (refuse) from an orphan left by a process that died (stop it before starting our own).
 */

/** Written in the data folder: only its owner may read or enter it. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** How long an orphaned redis-server gets to flush and exit after SIGTERM before it is killed. */
const ORPHAN_STOP_TIMEOUT_MS = 10_000;
/** How long an orphan gets to answer `INFO` when we check that it is the one of this folder. */
const ORPHAN_PROBE_TIMEOUT_MS = 1_000;

export interface DataDirFiles {
  dir: string;
  config: string;
  password: string;
  lock: string;
}

export interface DataDirLock {
  /** The process that started the redis-server (the backend). */
  owner: number;
  /** The redis-server's process id. */
  pid: number;
  port: number;
}

export class DataDirInUseError extends Error {}

export function dataDirFiles(dir: string): DataDirFiles {
  return {
    dir,
    config: join(dir, "redis.conf"),
    password: join(dir, "redis-password"),
    lock: join(dir, "redis-server.lock"),
  };
}

/** Creates the folder if needed and makes it private (700), also when it was made earlier with 755. */
export function preparePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/** The folder's Redis password: generated once, kept in a 600 file so that restarts (and orphans) share it. */
export function readOrCreatePassword(files: DataDirFiles): string {
  try {
    const existing = readFileSync(files.password, "utf8").trim();
    chmodSync(files.password, PRIVATE_FILE_MODE);
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  // Hex: safe in a redis:// URL and in redis.conf without quoting rules.
  const password = randomBytes(32).toString("hex");
  writePrivateFile(files.password, `${password}\n`);
  return password;
}

export function writePrivateFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: PRIVATE_FILE_MODE });
  // writeFileSync's mode applies only to a new file.
  chmodSync(path, PRIVATE_FILE_MODE);
}

export function writeLock(files: DataDirFiles, lock: DataDirLock): void {
  writePrivateFile(files.lock, `${JSON.stringify(lock)}\n`);
}

export function removeLock(files: DataDirFiles, pid: number): void {
  // Only our own lock: a second process may have taken the folder over since.
  if (readLock(files)?.pid === pid) rmSync(files.lock, { force: true });
}

function readLock(files: DataDirFiles): DataDirLock | undefined {
  try {
    const lock = JSON.parse(readFileSync(files.lock, "utf8")) as Partial<DataDirLock>;
    if (Number.isInteger(lock.owner) && Number.isInteger(lock.pid) && Number.isInteger(lock.port)) {
      return lock as DataDirLock;
    }
  } catch {
    // Missing or unreadable: nobody holds the folder.
  }
  return undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Makes sure no other redis-server runs on this folder before we start one. A redis-server named by the lock
 * whose owner still runs: refuse (DataDirInUseError). One whose owner is gone (the backend was killed with -9
 * where the child could not die with it): stop it, with SIGTERM so it flushes its append-only file, and wait
 * until it has exited. A lock whose redis-server is gone, or whose pid now belongs to another program: stale.
 */
export async function claimDataDir(files: DataDirFiles, password: string, log: (line: string) => void) {
  const lock = readLock(files);
  if (!lock || !isAlive(lock.pid) || !(await isRedisOfDir(lock, files, password))) return;
  if (lock.owner !== process.pid && isAlive(lock.owner)) {
    throw new DataDirInUseError(
      `DATA_DIR ${files.dir} is in use: process ${lock.owner} runs redis-server (pid ${lock.pid}, port ` +
        `${lock.port}) on it. Stop that process or choose another DATA_DIR.`,
    );
  }
  if (lock.owner === process.pid) {
    throw new DataDirInUseError(`DATA_DIR ${files.dir} already has a redis-server started by this process.`);
  }
  log(
    `found an orphaned redis-server (pid ${lock.pid}, port ${lock.port}) on ${files.dir}, left by process ` +
      `${lock.owner} which is gone: stopping it before starting our own`,
  );
  process.kill(lock.pid, "SIGTERM");
  if (!(await exited(lock.pid, ORPHAN_STOP_TIMEOUT_MS))) {
    log(`orphaned redis-server (pid ${lock.pid}) did not stop in ${ORPHAN_STOP_TIMEOUT_MS} ms: killing it`);
    process.kill(lock.pid, "SIGKILL");
    await exited(lock.pid, ORPHAN_STOP_TIMEOUT_MS);
  }
  rmSync(files.lock, { force: true });
}

/** Whether the process of the lock is the redis-server of this folder (and not a later process with its pid). */
async function isRedisOfDir(lock: DataDirLock, files: DataDirFiles, password: string): Promise<boolean> {
  const client = new Redis({
    host: "127.0.0.1",
    port: lock.port,
    password,
    lazyConnect: true,
    connectTimeout: ORPHAN_PROBE_TIMEOUT_MS,
    commandTimeout: ORPHAN_PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    const info = await client.info("server");
    const [, dir] = (await client.config("GET", "dir")) as [string, string];
    return info.includes(`process_id:${lock.pid}\r\n`) && realpathSync(dir) === realpathSync(files.dir);
  } catch {
    // Not answering (still loading its data, or hung): trust the command line where the system shows it.
    return commandLineOf(lock.pid)?.startsWith("redis-server") ?? false;
  } finally {
    client.disconnect();
  }
}

function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return undefined;
  }
}

async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    // A process that is not our child sends no event when it exits: look again shortly.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
