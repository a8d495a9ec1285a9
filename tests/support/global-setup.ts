import type { RedisTarget } from "@lb/backend";
import type { TestProject } from "vitest/node";
import { provideRedis } from "./redis.js";
import { startRedisCluster } from "./redis-cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The Redis every test file uses: a URL (see support/redis.ts), or the test cluster's seeds. */
    redisTarget: RedisTarget;
    /** Where it came from; only a Redis the suite started itself is private to it. */
    redisSource: "REDIS_URL" | "testcontainers" | "redis-server" | "cluster";
  }
}

/**
 * Starts (or finds) one Redis for the whole run and stops it after the last file. The `cluster` project
 * (LB_TEST_REDIS=cluster, see vitest.config.ts) gets a Redis Cluster of 3 masters and 3 replicas instead.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (project.config.env?.LB_TEST_REDIS === "cluster" || process.env.LB_TEST_REDIS === "cluster") {
    const cluster = await startRedisCluster();
    console.log(
      `[tests] Redis Cluster: 3 masters + 3 replicas on ports ${cluster.nodes.map((n) => n.port).join(", ")}`,
    );
    project.provide("redisTarget", { cluster: { nodes: cluster.nodes, tls: false } });
    project.provide("redisSource", "cluster");
    return () => cluster.stop();
  }
  const redis = await provideRedis();
  console.log(`[tests] Redis: ${redis.description}`);
  project.provide("redisTarget", { url: redis.url });
  project.provide("redisSource", redis.source);
  return async () => {
    await redis.stop();
  };
}
