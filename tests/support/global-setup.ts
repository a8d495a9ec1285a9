import type { TestProject } from "vitest/node";
import { provideRedis } from "./redis.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The Redis every test file uses (see support/redis.ts). */
    redisUrl: string;
    /** Where it came from; only a Redis the suite started itself is private to it. */
    redisSource: "REDIS_URL" | "testcontainers" | "redis-server";
  }
}

/** Starts (or finds) one Redis for the whole run and stops it after the last file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await provideRedis();
  console.log(`[tests] Redis: ${redis.description}`);
  project.provide("redisUrl", redis.url);
  project.provide("redisSource", redis.source);
  return async () => {
    await redis.stop();
  };
}
