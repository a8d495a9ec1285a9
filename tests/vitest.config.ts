import { defineConfig } from "vitest/config";

/**
 * Files about one redis-server process, which the `cluster` project leaves out: they start, kill or restart their
 * own Redis (durability, faults), put a TCP proxy between backends and one Redis (lb), or are browser specs, which stay on one Redis to keep the run short (their
 * server side is the same code that the integration files test on both).
 */
export const SINGLE_REDIS_ONLY = ["durability.int.test.ts", "faults/**", "e2e/**", "lb/**"];

const LIGHTHOUSE_SPEC = "e2e/lighthouse.spec.ts";

/**
 * Cross-package integration tests: real Redis, real backends started in-process on port 0, real HTTP and
 * Socket.IO clients. One suite, two targets:
 * - `redis`: one Redis (REDIS_URL, a testcontainer, or a private redis-server; see support/redis.ts);
 * - `cluster`: the same integration files on a Redis Cluster of 3 masters and 3 replicas started from
 *   `redis-server` binaries (support/redis-cluster.ts), plus the cluster's own tests (cluster/);
 * - `lighthouse`: the voter page's performance budget, alone.
 */
export default defineConfig({
  test: {
    exclude: ["**/node_modules/**", "artifacts/**"],
    // Files run in parallel, but at most two at a time: the heavy files push thousands of requests and the
    // suite must stay deterministic on a 2-core machine. Every test isolates itself by a unique round id.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 15_000,
    projects: [
      {
        extends: true,
        test: {
          name: "redis",
          globalSetup: ["./support/global-setup.ts"],
          // The benchmarks' own helpers have unit tests (bench/*.test.ts); the benchmarks themselves run by hand.
          include: ["**/*.int.test.ts", "e2e/**/*.spec.ts", "bench/*.test.ts"],
          exclude: ["**/node_modules/**", "artifacts/**", "cluster/**", LIGHTHOUSE_SPEC],
        },
      },
      {
        extends: true,
        // The phone budget, run by `npm test` on its own after the other two: Lighthouse's simulated throttling
        // multiplies the CPU time it observes, so it must not share the machine with the rest of the suite.
        test: { name: "lighthouse", globalSetup: ["./support/global-setup.ts"], include: [LIGHTHOUSE_SPEC] },
      },
      {
        extends: true,
        test: {
          name: "cluster",
          globalSetup: ["./support/global-setup.ts"],
          include: ["**/*.int.test.ts"],
          exclude: ["**/node_modules/**", "artifacts/**", "bench/**", ...SINGLE_REDIS_ONLY],
          env: { LB_TEST_REDIS: "cluster" },
          // Starting 6 redis-servers and joining them takes a few seconds.
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
