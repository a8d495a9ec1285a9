import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";
import { checkRedisDurability, DataDirInUseError, startRedisServer } from "@lb/backend";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, createAgent, expectStatus } from "../support/http.js";
import { smallRound } from "../support/rounds.js";
import {
  BACKEND_MAIN,
  freePort,
  isAlive,
  listeningUrl,
  managedRedis,
  portOpen,
  REPO_ROOT,
  startMain,
  type WatchedProcess,
  waitForExit,
  watchProcess,
} from "./redis-support.js";

/**
 * The redis-server that `npm start` runs when REDIS_URL is unset, as real processes: private files and a password,
 * one per data folder, orphans stopped, dying with its parent, restarted when it dies; the backend's one-line
 * answer to a busy port; `npm start` stopping whole on SIGTERM; the start-up check of an external Redis.
 */

const hasRedisServer = (() => {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const hasSetpriv =
  process.platform === "linux" &&
  (process.env.PATH ?? "").split(delimiter).some((folder) => existsSync(join(folder, "setpriv")));
const BACKEND_INDEX = pathToFileURL(join(BACKEND_MAIN, "..", "index.js")).href;

let root: string;
let folders = 0;
const running: WatchedProcess[] = [];
/** A fresh data folder under the test's temp folder. */
const dataDir = () => join(root, `data-${++folders}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "lb-redis-process-"));
});
afterAll(async () => {
  for (const process of running) process.kill();
  await rm(root, { recursive: true, force: true });
});

function track(process: WatchedProcess): WatchedProcess {
  running.push(process);
  return process;
}

/** A node process that starts a managed redis-server on `dir` and then idles, to be killed with -9. */
function parentOfRedis(dir: string, dieWithParent: boolean): WatchedProcess {
  const script = `
    const { startRedisServer } = await import(${JSON.stringify(BACKEND_INDEX)});
    const redis = await startRedisServer({ dir: ${JSON.stringify(dir)}, appendOnly: true, dieWithParent: ${dieWithParent} });
    console.log("redis " + redis.pid + " " + redis.url);
    setInterval(() => {}, 60_000);`;
  return track(watchProcess(process.execPath, ["--input-type=module", "-e", script], {}));
}

function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

/** Every file under `dir` with its mode. */
function filesWithModes(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    const path = join(dir, entry);
    if (statSync(path).isFile()) result[entry] = modeOf(path);
  }
  return result;
}

describe.skipIf(!hasRedisServer)("the managed redis-server", () => {
  it("keeps its folder private (700, files 600), needs its password, and never shows it on a command line", async () => {
    const dir = dataDir();
    // A folder made earlier with the usual 755 is tightened too.
    mkdirSync(dir, { mode: 0o755 });
    const server = await startRedisServer({ dir, appendOnly: true });
    try {
      const client = new Redis(server.url);
      await client.set("lb:test:private", "1");
      await client.bgsave();
      await client.quit();
      const stranger = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
      stranger.on("error", () => {});
      await expect(stranger.get("lb:test:private")).rejects.toThrow(/NOAUTH/);
      stranger.disconnect();

      expect(modeOf(dir)).toBe("700");
      const files = filesWithModes(dir);
      expect(Object.keys(files)).toEqual(
        expect.arrayContaining([
          "redis.conf",
          "redis-password",
          "redis-server.lock",
          "appendonlydir/appendonly.aof.manifest",
        ]),
      );
      for (const [file, mode] of Object.entries(files)) expect(mode, file).toBe("600");
      const password = readFileSync(join(dir, "redis-password"), "utf8").trim();
      expect(server.url).toContain(password);
      expect(readFileSync(`/proc/${server.pid}/cmdline`, "utf8")).not.toContain(password);
    } finally {
      await server.stop();
    }
  });

  it("runs one per data folder: a second start on the same folder is refused while the first runs", async () => {
    const dir = dataDir();
    const first = await startRedisServer({ dir, appendOnly: true });
    try {
      await expect(startRedisServer({ dir, appendOnly: true })).rejects.toBeInstanceOf(DataDirInUseError);
      expect(isAlive(first.pid)).toBe(true);
    } finally {
      await first.stop();
    }
    const again = await startRedisServer({ dir, appendOnly: true });
    await again.stop();
  });

  it("stops an orphan left by a parent killed with -9 before it starts its own, and keeps the orphan's data", async () => {
    const dir = dataDir();
    // Without the parent-death signal (macOS, or no setpriv), kill -9 of the parent leaves redis-server running.
    const parent = parentOfRedis(dir, false);
    const [, pid, url] = await parent.waitForLine(/^redis (\d+) (\S+)$/);
    const orphanPid = Number(pid);
    const client = new Redis(url as string);
    await client.set("lb:test:orphan", "kept");
    await client.quit();
    parent.child.kill("SIGKILL");
    await parent.exited;
    expect(isAlive(orphanPid)).toBe(true);

    const log: string[] = [];
    const server = await startRedisServer({ dir, appendOnly: true, log: (line) => log.push(line) });
    try {
      expect(isAlive(orphanPid)).toBe(false);
      expect(log.join("\n")).toMatch(new RegExp(`orphaned redis-server \\(pid ${orphanPid}`));
      const reader = new Redis(server.url);
      expect(await reader.get("lb:test:orphan")).toBe("kept");
      await reader.quit();
    } finally {
      await server.stop();
    }
  });

  it.skipIf(!hasSetpriv)(
    "dies with its parent, even when the parent is killed with -9 (setpriv --pdeathsig)",
    async () => {
      const parent = parentOfRedis(dataDir(), true);
      const [, pid] = await parent.waitForLine(/^redis (\d+) /);
      expect(isAlive(Number(pid))).toBe(true);
      parent.child.kill("SIGKILL");
      await parent.exited;
      await waitForExit(Number(pid), 5_000);
    },
  );
});

describe.skipIf(!hasRedisServer)("the backend with its managed redis-server (node backend/dist/main.js)", () => {
  it("restarts a redis-server killed with -9 on the same port, counts again, and refuses a second backend on the folder", async () => {
    const dir = dataDir();
    const adminToken = "admin-token-for-supervision-test";
    const main = track(startMain({ DATA_DIR: dir, ADMIN_TOKEN: adminToken }));
    const agent = createAgent();
    try {
      const { pid, port } = await managedRedis(main);
      const api = new Api(await listeningUrl(main), adminToken, agent);
      const round = await api.createOpenRound(smallRound(2));
      expectStatus(await api.castBallot(round.id, await api.newVoter(), ["1"]), 201);

      // A second backend on the same data folder must not start a second redis-server on the same files.
      const second = track(startMain({ DATA_DIR: dir }));
      expect((await second.exited).code).toBe(1);
      expect(second.lines.join("\n")).toMatch(/DATA_DIR .* is in use/);

      process.kill(pid, "SIGKILL");
      const [, restartedPid] = await main.waitForLine(/restarted redis-server \(pid (\d+)\) on port (\d+)/);
      expect(main.lines.join("\n")).toContain(`restarting it on port ${port}`);
      // ioredis reconnects by itself (within its retry delay); until then ballots are 503.
      const deadline = Date.now() + 10_000;
      while ((await api.get("/readyz")).status !== 200) {
        if (Date.now() > deadline) throw new Error(`/readyz never came back:\n${main.lines.join("\n")}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expectStatus(await api.castBallot(round.id, await api.newVoter(), ["2"]), 201);
      expect((await api.leaderboard(round.id)).totalBallots).toBe(2);

      // SIGINT stops the whole tree: the backend, then its redis-server.
      main.child.kill("SIGINT");
      expect((await main.exited).code).toBe(0);
      await waitForExit(Number(restartedPid), 5_000);
      expect(existsSync(join(dir, "redis-server.lock"))).toBe(false);
    } finally {
      agent.destroy();
    }
  });

  it("answers a busy port with one line naming the port and PORT, stops its redis-server and exits 1", async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const address = busy.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const main = track(startMain({ DATA_DIR: dataDir(), PORT: String(port) }));
      const redis = await managedRedis(main);
      expect((await main.exited).code).toBe(1);
      const errors = main.lines.filter((line) => /in use|EADDRINUSE|^\s+at /.test(line));
      expect(errors).toEqual([`port ${port} is already in use on 127.0.0.1: stop what runs there or set PORT`]);
      await waitForExit(redis.pid, 5_000);
    } finally {
      busy.close();
    }
  });

  it("warns at start when REDIS_URL cannot keep every acknowledged ballot", async () => {
    const everysec = await startRedisServer({ dir: dataDir(), appendOnly: true, appendFsync: "everysec" });
    try {
      const main = track(startMain({ REDIS_URL: everysec.url }));
      await main.waitForLine(/^warning: REDIS_URL runs with appendfsync everysec: a kill -9 of redis-server can lose/);
      await listeningUrl(main);
      main.child.kill("SIGTERM");
      expect((await main.exited).code).toBe(0);
    } finally {
      await everysec.stop();
    }
  });
});

describe.skipIf(!hasRedisServer)("checkRedisDurability (the start-up check of REDIS_URL)", () => {
  it("says which settings keep every acknowledged ballot, and when it could not look", async () => {
    const always = await startRedisServer({ dir: dataDir(), appendOnly: true, appendFsync: "always" });
    const everysec = await startRedisServer({ dir: dataDir(), appendOnly: true, appendFsync: "everysec" });
    const snapshotsOnly = await startRedisServer({ dir: dataDir(), appendOnly: false });
    const clients: Redis[] = [];
    const client = (url: string) => {
      const redis = new Redis(url);
      clients.push(redis);
      return redis;
    };
    try {
      expect(await checkRedisDurability(client(always.url))).toMatchObject({ ok: true });
      const slow = await checkRedisDurability(client(everysec.url));
      expect(slow.ok).toBe(false);
      expect(slow.message).toMatch(/appendfsync everysec: a kill -9 .* last 2 s/);
      const none = await checkRedisDurability(client(snapshotsOnly.url));
      expect(none).toMatchObject({ ok: false, message: expect.stringMatching(/appendonly no/) });

      // Managed Redis services often refuse CONFIG: a user without it stands for them.
      await client(always.url).acl("SETUSER", "no-config", "on", ">no-config-password", "~*", "+@all", "-config");
      const refused = await checkRedisDurability(
        client(`redis://no-config:no-config-password@127.0.0.1:${always.port}`),
      );
      expect(refused.ok).toBe(false);
      expect(refused.message).toMatch(/could not check .*NOPERM/);
    } finally {
      await Promise.all(clients.map((redis) => redis.quit()));
      await Promise.all([always.stop(), everysec.stop(), snapshotsOnly.stop()]);
    }
  });
});

describe.skipIf(!hasRedisServer)("npm start", () => {
  it("stops whole on SIGTERM to npm: the port closes and its redis-server is gone", { timeout: 90_000 }, async () => {
    const port = await freePort();
    const npm = track(
      watchProcess(
        "npm",
        ["start"],
        {
          PORT: String(port),
          HOST: "127.0.0.1",
          DATA_DIR: dataDir(),
          SEED_DEMO: "false",
          REDIS_URL: undefined,
        },
        REPO_ROOT,
      ),
    );
    // npm start builds first (turbo: cache hits after the test run's own build).
    const redis = await managedRedis(npm, 60_000);
    await npm.waitForLine(/^listening on /);
    expect(await portOpen(port)).toBe(true);

    npm.child.kill("SIGTERM");
    // Without `exec` in the start script npm exits but the backend keeps its output pipes (and the port) open.
    await Promise.race([
      npm.exited,
      new Promise((_, reject) => setTimeout(() => reject(new Error("npm start did not stop in 15 s")), 15_000)),
    ]);
    await waitForExit(redis.pid, 10_000);
    expect(await portOpen(port)).toBe(false);
  });
});
