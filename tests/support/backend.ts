import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import {
  closeRedisClient,
  createRedisClient,
  createServer,
  DEFAULT_VOTER_LIMITS,
  defaultServerConfig,
  type RedisClient,
  type RedisTarget,
} from "@lb/backend";
import { inject } from "vitest";
import { Api, createAgent } from "./http.js";

/** What `createServer` returns: `{ app, io, httpServer, close }`. */
export type LeaderboardServer = ReturnType<typeof createServer>;
export type ServerConfig = ReturnType<typeof defaultServerConfig>;

export interface RunningBackend {
  url: string;
  api: Api;
  server: LeaderboardServer;
  /** This backend's own Redis client (the test owns it, as `main.ts` would): a Redis, or a Cluster client. */
  redis: RedisClient;
}

export interface Backends {
  /** Base URLs, one per backend (`http://127.0.0.1:<port>`). */
  urls: string[];
  backends: RunningBackend[];
  /** The first backend's client: most tests need only one. */
  api: Api;
  adminToken: string;
  config: ServerConfig;
  redisTarget: RedisTarget;
  /** Closes every backend, then its Redis client, then the HTTP agent. Safe to call twice. */
  close(): Promise<void>;
}

/** The Redis of this run (provided by support/global-setup.ts): a URL, or a Redis Cluster's seeds. */
export function redisTarget(): RedisTarget {
  return inject("redisTarget");
}

/** The run's Redis URL, for files that are about one redis-server process (SINGLE_REDIS_ONLY in vitest.config.ts). */
export function redisUrl(): string {
  const target = redisTarget();
  if (!("url" in target)) throw new Error("this test needs one Redis: list it in SINGLE_REDIS_ONLY (vitest.config.ts)");
  return target.url;
}

/**
 * Environment for a `node backend/dist/main.js` of the test: on the cluster project, REDIS_CLUSTER_NODES; on one
 * Redis nothing, so that main.js starts its own redis-server in DATA_DIR as `npm start` does.
 */
export function mainRedisEnv(): Record<string, string> {
  const target = redisTarget();
  if ("url" in target) return {};
  return { REDIS_CLUSTER_NODES: target.cluster.nodes.map((node) => `${node.host}:${node.port}`).join(",") };
}

/** A Redis client (or Cluster client) for tests that look at keys directly. Quit it in afterAll. */
export function testRedisClient(): RedisClient {
  return createRedisClient(redisTarget(), () => {});
}

/**
 * Starts `count` backends in this process, each `createServer` on port 0 with its own ioredis client, all on
 * the run's Redis and sharing one config (admin token, voter-token secret), like replicas behind a balancer.
 * The per-IP voter limits are OFF unless `overrides.voterLimits` turns them on: the suite mints thousands of
 * tokens from 127.0.0.1 (voter-limits.int.test.ts and the challenge spec test them).
 */
export async function startBackends(
  count = 1,
  overrides: Partial<ServerConfig> = {},
  options: { redisUrl?: string; redisTarget?: RedisTarget; log?: (message: string, error: unknown) => void } = {},
): Promise<Backends> {
  const config = defaultServerConfig({
    adminToken: `admin-${randomBytes(16).toString("hex")}`,
    voterTokenSecret: randomBytes(32).toString("hex"),
    liveTickMs: 50,
    // Every test file comes from 127.0.0.1 and many send wrong tokens on purpose: the throttle's own tests
    // (admin-throttle.int.test.ts) set a low limit and a made-up client address per test.
    adminAuthFailuresPerMinute: 1_000_000,
    voterLimits: { ...DEFAULT_VOTER_LIMITS, enabled: false },
    ...overrides,
  });
  const target = options.redisTarget ?? (options.redisUrl ? { url: options.redisUrl } : redisTarget());
  const agent = createAgent();
  const backends: RunningBackend[] = [];
  const closeAll = async () => {
    const running = backends.splice(0);
    await Promise.all(running.map((backend) => stopBackend(backend)));
    agent.destroy();
  };
  try {
    for (let i = 0; i < count; i++) {
      // Outages are provoked on purpose in some tests; their connection errors are expected, not news.
      const redis = createRedisClient(target, () => {});
      let server: LeaderboardServer;
      try {
        // Like main.ts, serve once Redis answers (until then /readyz says 503, which is right but not under test).
        await redis.ping();
        server = createServer({ config, redis, ...(options.log ? { log: options.log } : {}) });
      } catch (error) {
        redis.disconnect();
        throw error;
      }
      const base = await listen(server);
      backends.push({ url: base, api: new Api(base, config.adminToken, agent), server, redis });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  const first = backends[0];
  if (!first) throw new Error("startBackends needs count >= 1");
  let closing: Promise<void> | undefined;
  return {
    urls: backends.map((backend) => backend.url),
    backends: [...backends],
    api: first.api,
    adminToken: config.adminToken,
    config,
    redisTarget: target,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}

function listen(server: LeaderboardServer): Promise<string> {
  return new Promise((resolve, reject) => {
    server.httpServer.once("error", reject);
    server.httpServer.listen(0, "127.0.0.1", () => {
      server.httpServer.off("error", reject);
      const { port } = server.httpServer.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

async function stopBackend(backend: RunningBackend): Promise<void> {
  try {
    await backend.server.close();
  } finally {
    await closeRedisClient(backend.redis);
  }
}
