import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { ConfigError, type EnvConfig, parseEnv } from "./config.js";
import { configKey } from "./redis/keys.js";
import { createRedisClient } from "./redis/redis-client.js";
import { RedisServerNotFoundError, type RedisServerProcess, startRedisServer } from "./redis/redis-server-process.js";
import { DEMO_ROUND_ID, seedDemoRound } from "./rounds/demo-round.js";
import { createServer } from "./server.js";

/** The only file that reads process.env and listens. */

/** A secret from the environment, or one generated once and kept in Redis so every backend and restart agrees. */
async function sharedSecret(redis: Redis, name: string, fromEnv: string | undefined): Promise<string> {
  if (fromEnv) return fromEnv;
  await redis.set(configKey(name), randomBytes(32).toString("base64url"), "NX");
  const value = await redis.get(configKey(name));
  if (!value) throw new Error(`could not read ${configKey(name)} from Redis`);
  return value;
}

async function connectRedis(env: EnvConfig): Promise<{ url: string; managed?: RedisServerProcess }> {
  if (env.REDIS_URL) return { url: env.REDIS_URL };
  const managed = await startRedisServer({ dir: env.DATA_DIR, appendOnly: true });
  console.log(`started redis-server on port ${managed.port} with its data in ${env.DATA_DIR}`);
  return { url: managed.url, managed };
}

async function main(): Promise<void> {
  const env = parseEnv(process.env);
  const { url, managed } = await connectRedis(env);
  const redis = createRedisClient(url);
  await redis.connect();

  const adminTokenFromEnv = env.ADMIN_TOKEN;
  const config = {
    adminToken: await sharedSecret(redis, "admin-token", adminTokenFromEnv),
    voterTokenSecret: await sharedSecret(redis, "voter-token-secret", env.VOTER_TOKEN_SECRET),
    liveTickMs: env.LIVE_TICK_MS,
    ballotBodyLimitBytes: env.BALLOT_BODY_LIMIT_BYTES,
    adminBodyLimitBytes: env.ADMIN_BODY_LIMIT_BYTES,
    cookieSecure: env.COOKIE_SECURE,
    trustProxy: env.TRUST_PROXY,
    integrityScanLimit: env.INTEGRITY_SCAN_LIMIT,
    ...(env.STATIC_DIR ? { staticDir: env.STATIC_DIR } : {}),
  };
  const server = createServer({ config, redis });
  const seeded = env.SEED_DEMO && (await seedDemoRound(server.rounds));

  let shuttingDown = false;
  // Ordered and idempotent: stop accepting and close sockets, then Redis, then the private redis-server.
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.log(`${signal}: shutting down`);
    await server.close();
    await redis.quit().catch(() => undefined);
    await managed?.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  await new Promise<void>((resolve, reject) => {
    server.httpServer.once("error", reject);
    server.httpServer.listen(env.PORT, env.HOST, resolve);
  });
  const address = server.httpServer.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  const host = env.HOST === "0.0.0.0" || env.HOST === "::" ? "localhost" : env.HOST;
  const base = `http://${host}:${port}`;
  console.log(`listening on ${base}`);
  if (seeded) console.log(`created the demo round "${DEMO_ROUND_ID}" and opened it`);
  const demo = (await server.rounds.currentEpoch(DEMO_ROUND_ID)) !== null;
  if (demo) {
    console.log(`  vote page:    ${base}/r/${DEMO_ROUND_ID}`);
    console.log(`  leaderboard:  ${base}/r/${DEMO_ROUND_ID}/board`);
  }
  console.log(`  organiser:    ${base}/admin`);
  if (!adminTokenFromEnv) console.log(`  admin token:  ${config.adminToken}  (set ADMIN_TOKEN to choose your own)`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof RedisServerNotFoundError) {
    console.error(error.message);
  } else {
    console.error("failed to start:", error);
  }
  process.exit(1);
});
