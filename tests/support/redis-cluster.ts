import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";

const run = promisify(execFile);

/**
 * How long a node may go silent before the others call it failed and its replica takes over. Low so that the
 * failover tests are quick; a production cluster uses the default (15 s).
 */
export const CLUSTER_NODE_TIMEOUT_MS = 1_000;
/** How long a whole start (6 processes, `redis-cli --cluster create`, every node agreeing) may take. */
const START_TIMEOUT_MS = 30_000;

export interface ClusterNode {
  port: number;
  dir: string;
  /** The running redis-server, or null once killed. */
  process: ChildProcess | null;
}

/** A Redis Cluster of real redis-server processes on loopback: 3 masters with a replica each. */
export interface TestRedisCluster {
  /** Seeds for the backend's client (`REDIS_CLUSTER_NODES`): every node. */
  nodes: { host: string; port: number }[];
  processes: ClusterNode[];
  /** kill -9 of one node (it stays dead until `restart`). */
  kill(port: number): void;
  /** Starts a killed node again on its port and files: it rejoins, as a replica of whoever took its slots. */
  restart(port: number): Promise<void>;
  /**
   * Resolves once every live node says `cluster_state:ok`; with `replicas` (default) once every replica's link to
   * its master is up; with `failed`, once every live node has marked that node failed and taken its slots away
   * (its replica was promoted).
   */
  waitHealthy(options?: { replicas?: boolean; failed?: number }): Promise<void>;
  /** Ports of the masters, and the master of a slot, as the live nodes say now. */
  masters(): Promise<number[]>;
  masterOfSlot(slot: number): Promise<number>;
  /** `redis-cli --cluster` with its arguments (seed: a live node). */
  cli(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0);
    if (port + 10_000 > 65_535 || taken.has(port)) continue;
    if ((await listenOnce(port + 10_000).catch(() => 0)) === 0) continue;
    taken.add(port);
    return port;
  }
  throw new Error("no free port pair for a cluster node");
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function startNode(node: ClusterNode): Promise<ChildProcess> {
  const child = spawn("redis-server", [join(node.dir, "redis.conf")], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`redis-server on ${node.port} exited (${code}):\n${output}`)));
  });
}

/** Asks one node something, on a short-lived connection. */
async function ask<T>(port: number, command: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    port,
    host: "127.0.0.1",
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return await command(redis);
  } finally {
    redis.disconnect();
  }
}

/** CLUSTER NODES says the node on `port` has failed (not just suspected: `fail?`) and serves no slot. */
function failedWithoutSlots(nodes: string, port: number): boolean {
  const line = nodes.split("\n").find((entry) => entry.includes(`:${port}@`));
  if (!line) return false;
  const fields = line.trim().split(" ");
  return /(^|,)fail(,|$)/.test(fields[2] ?? "") && fields.length <= 8;
}

const field = (text: string, name: string) => new RegExp(`^${name}:(.*)$`, "m").exec(text)?.[1]?.trim();

/**
 * Starts 6 redis-servers (`cluster-enabled yes`, append-only) in a temporary folder, joins them with
 * `redis-cli --cluster create --cluster-replicas 1`, and waits until every node says the cluster is ok and every
 * replica is in sync. Needs `redis-server` and `redis-cli` on PATH (`.ci/run` installs redis-tools).
 */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const root = await mkdtemp(join(tmpdir(), "lb-tests-cluster-"));
  const taken = new Set<number>();
  const processes: ClusterNode[] = [];
  const stop = async () => {
    await Promise.all(
      processes.map(
        (node) =>
          new Promise<void>((resolve) => {
            const child = node.process;
            if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          }),
      ),
    );
    await rm(root, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < 6; index++) {
      const port = await freeClusterPort(taken);
      const dir = join(root, String(port));
      await mkdir(dir);
      await writeFile(
        join(dir, "redis.conf"),
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${JSON.stringify(dir)}`,
          "cluster-enabled yes",
          "cluster-config-file nodes.conf",
          `cluster-node-timeout ${CLUSTER_NODE_TIMEOUT_MS}`,
          // A replica takes over however long it was cut off: the tests kill masters on purpose.
          "cluster-replica-validity-factor 0",
          "appendonly yes",
          // everysec: the tests are about replication, not the disk; a master's own fsync is README material.
          "appendfsync everysec",
          'save ""',
          "daemonize no",
          "",
        ].join("\n"),
      );
      const node: ClusterNode = { port, dir, process: null };
      processes.push(node);
      node.process = await startNode(node);
    }
    const live = () =>
      processes.filter((node) => node.process && node.process.exitCode === null && !node.process.signalCode);
    const cli = async (args: string[]) => {
      const { stdout } = await run("redis-cli", ["--cluster", ...args], { timeout: 120_000, maxBuffer: 16 << 20 });
      return stdout;
    };
    await cli([
      "create",
      ...processes.map((node) => `127.0.0.1:${node.port}`),
      "--cluster-replicas",
      "1",
      "--cluster-yes",
    ]);

    const masters = async () => {
      const seed = live()[0];
      if (!seed) throw new Error("no live cluster node");
      const slots = (await ask(seed.port, (redis) => redis.cluster("SLOTS"))) as unknown as [
        number,
        number,
        [string, number],
      ][];
      return [...new Set(slots.map((range) => range[2][1]))].sort((a, b) => a - b);
    };
    const cluster: TestRedisCluster = {
      nodes: processes.map((node) => ({ host: "127.0.0.1", port: node.port })),
      processes,
      kill(port) {
        const node = processes.find((candidate) => candidate.port === port);
        node?.process?.kill("SIGKILL");
      },
      async restart(port) {
        const node = processes.find((candidate) => candidate.port === port);
        if (!node) throw new Error(`no cluster node on ${port}`);
        node.process = await startNode(node);
      },
      async waitHealthy({ replicas = true, failed }: { replicas?: boolean; failed?: number } = {}) {
        const deadline = Date.now() + START_TIMEOUT_MS;
        for (;;) {
          const states = await Promise.all(
            live().map((node) =>
              ask(node.port, async (redis) => ({
                info: (await redis.cluster("INFO")) as string,
                replication: await redis.info("replication"),
                nodes: (await redis.cluster("NODES")) as string,
              })).catch(() => null),
            ),
          );
          const ok = states.every(
            (state) =>
              state !== null &&
              field(state.info, "cluster_state") === "ok" &&
              (!replicas ||
                field(state.replication, "role") === "master" ||
                field(state.replication, "master_link_status") === "up") &&
              (failed === undefined || failedWithoutSlots(state.nodes, failed)),
          );
          if (ok) return;
          if (Date.now() > deadline) throw new Error(`the cluster did not become healthy in ${START_TIMEOUT_MS} ms`);
          // Polling a state the nodes reach by themselves (gossip, elections): nothing to subscribe to.
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
      masters,
      async masterOfSlot(slot) {
        const seed = live()[0];
        if (!seed) throw new Error("no live cluster node");
        const slots = (await ask(seed.port, (redis) => redis.cluster("SLOTS"))) as unknown as [
          number,
          number,
          [string, number],
        ][];
        const range = slots.find(([from, to]) => slot >= from && slot <= to);
        if (!range) throw new Error(`no master serves slot ${slot}`);
        return range[2][1];
      },
      cli,
      stop,
    };
    await cluster.waitHealthy();
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}
