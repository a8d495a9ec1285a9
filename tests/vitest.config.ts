import { defineConfig } from "vitest/config";

/**
 * Cross-package integration tests: real Redis (REDIS_URL, a testcontainer, or a private redis-server; see
 * support/redis.ts), real backends started in-process on port 0, real HTTP and Socket.IO clients.
 */
export default defineConfig({
  test: {
    include: ["**/*.int.test.ts", "e2e/**/*.spec.ts"],
    exclude: ["**/node_modules/**", "artifacts/**", "bench/**"],
    globalSetup: ["./support/global-setup.ts"],
    // Files run in parallel, but at most two at a time: the heavy files push thousands of requests and the
    // suite must stay deterministic on a 2-core machine. Every test isolates itself by a unique round id.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 15_000,
  },
});
