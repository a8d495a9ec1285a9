// First: V8 flags that must be set before the first request (see gc-tuning.ts).
import "./gc-tuning.js";
import cluster, { type Worker } from "node:cluster";
import { randomBytes } from "node:crypto";
import {
  ballotDurabilityFromEnv,
  ConfigError,
  clusterTargetFromEnv,
  type EnvConfig,
  httpLimitsFromEnv,
  parseEnv,
  type RedisTarget,
  voterLimitsFromEnv,
} from "./config.js";
import { startupUrls } from "./http/public-url.js";
import { aggregateWorkerMetrics, askPrimaryForMetrics, shareWithPrimary } from "./observability/cluster-metrics.js";
import { createLogger, type Logger } from "./observability/log.js";
import { DataDirInUseError } from "./redis/data-dir-lock.js";
import { configKey } from "./redis/keys.js";
import type { RedisClient } from "./redis/redis-client.js";
import { closeRedisClient, createRedisClient, execEach } from "./redis/redis-client.js";
import { checkRedisDurability } from "./redis/redis-durability.js";
import { RedisServerNotFoundError, type RedisServerProcess, startRedisServer } from "./redis/redis-server-process.js";
import { DEMO_ROUND_ID, seedDemoRound } from "./rounds/demo-round.js";
import { RoundsRepository } from "./rounds/rounds.repository.js";
import { createServer, type LeaderboardServer } from "./server.js";

/** The only file that reads process.env and listens. */

/** A secret from the environment, or one generated once and kept in Redis so every backend and restart agrees. */
async function sharedSecret(redis: RedisClient, name: string, fromEnv: string | undefined): Promise<string> {
  if (fromEnv) return fromEnv;
  await redis.set(configKey(name), randomBytes(32).toString("base64url"), "NX");
  const value = await redis.get(configKey(name));
  if (!value) throw new Error(`could not read ${configKey(name)} from Redis`);
  return value;
}

/** The managed redis-server, once started: every way out of this process stops it. */
let managed: RedisServerProcess | undefined;

/**
 * JSON lines on stdout (observability/log.ts), at LOG_LEVEL once the environment is read; until then (a bad
 * configuration is reported with it) at info.
 */
let logger: Logger = createLogger("info");

/** The ioredis client of this process (a Redis or a Cluster), its connection errors logged. */
function redisClient(target: RedisTarget) {
  return createRedisClient(target, (error) => logger.error(`redis: ${error.message}`));
}

/** The port is taken or not ours to take: one line for the operator, no stack. */
class ListenError extends Error {}

async function connectRedis(env: EnvConfig): Promise<RedisTarget> {
  const cluster = clusterTargetFromEnv(env);
  if (cluster) return cluster;
  if (env.REDIS_URL) return { url: env.REDIS_URL };
  managed = await startRedisServer({
    dir: env.DATA_DIR,
    appendOnly: true,
    appendFsync: "always",
    supervise: true,
    log: (line) => logger.warn(line),
  });
  logger.info(
    `started redis-server (pid ${managed.pid}) on port ${managed.port} with its data in ${env.DATA_DIR} ` +
      "(appendfsync always, password in redis-password there; restarted if it dies)",
  );
  return { url: managed.url };
}

function listen(server: LeaderboardServer, env: EnvConfig): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.httpServer.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") {
        reject(new ListenError(`port ${env.PORT} is already in use on ${env.HOST}: stop what runs there or set PORT`));
      } else if (error.code === "EACCES") {
        reject(new ListenError(`port ${env.PORT} may not be opened by this user: set PORT to 1024 or above`));
      } else {
        reject(error);
      }
    });
    server.httpServer.listen(env.PORT, env.HOST, resolve);
  });
}

/**
 * Given by the node:cluster primary to its workers, as JSON: the Redis it started or was given (a URL with its
 * password), or the Redis Cluster target (seeds, credentials, TLS).
 */
const WORKER_REDIS_TARGET = "LB_WORKER_REDIS_TARGET";

function workerRedisTarget(): RedisTarget {
  const json = process.env[WORKER_REDIS_TARGET];
  if (!json) throw new Error(`${WORKER_REDIS_TARGET} is not set: a worker is started by its primary only`);
  return JSON.parse(json) as RedisTarget;
}

/** An external Redis (REDIS_URL) or cluster, whose persistence we check; not the redis-server we started. */
const externalRedis = (env: EnvConfig) => !!(env.REDIS_URL || env.REDIS_CLUSTER_NODES);

/**
 * A line of the start-up banner: plain text on a terminal (`npm start` by hand), a JSON log line otherwise
 * (a process manager, a container), with the same text as its `msg`.
 */
function say(line: string): void {
  if (process.stdout.isTTY) process.stdout.write(`${line}\n`);
  else logger.info(line.trim());
}

/** The lines an operator reads once the backend listens (printed once, by the primary when there are workers). */
async function printStartup(
  env: EnvConfig,
  port: number,
  admin: { token: string; fromEnv: boolean },
  seeded: boolean,
  rounds: RoundsRepository,
): Promise<void> {
  const urls = startupUrls({ publicUrl: env.PUBLIC_URL, host: env.HOST, port });
  const workers = env.WORKERS > 1 ? ` (${env.WORKERS} worker processes)` : "";
  say(`listening on ${urls.base}${workers}${env.ROLE === "all" ? "" : ` (ROLE=${env.ROLE})`}`);
  for (const other of urls.others) say(`  also on:      ${other}`);
  if (urls.warning) say(`  note: ${urls.warning}`);
  if (!voterLimitsFromEnv(env).enabled) {
    say("VOTER_LIMITS=off: no per-IP or per-network limits on new voter tokens and ballots");
  }
  if (seeded) say(`created the demo round "${DEMO_ROUND_ID}" and opened it`);
  const demo = (await rounds.currentEpoch(DEMO_ROUND_ID)) !== null;
  if (demo) {
    say(`  vote page:    ${urls.base}/r/${DEMO_ROUND_ID}`);
    say(`  leaderboard:  ${urls.base}/r/${DEMO_ROUND_ID}/board`);
  }
  say(`  organiser:    ${urls.base}/admin`);
  if (!admin.fromEnv) say(`  admin token:  ${admin.token}  (set ADMIN_TOKEN to choose your own)`);
}

/** One backend: the whole process (WORKERS=1), or one cluster worker (the primary owns Redis and the messages). */
async function serve(env: EnvConfig): Promise<void> {
  const worker = cluster.isWorker;
  const target = worker ? workerRedisTarget() : await connectRedis(env);
  const redis = redisClient(target);
  await redis.connect();
  if (externalRedis(env) && !worker) logDurability(await checkRedisDurability(redis));
  if (!worker) await checkReplicas(redis, env);

  const adminTokenFromEnv = env.ADMIN_TOKEN;
  const config = {
    adminToken: await sharedSecret(redis, "admin-token", adminTokenFromEnv),
    voterTokenSecret: await sharedSecret(redis, "voter-token-secret", env.VOTER_TOKEN_SECRET),
    liveTickMs: env.LIVE_TICK_MS,
    livePhoneUpdateMs: env.LIVE_PHONE_UPDATE_MS,
    liveFanoutSlice: env.LIVE_FANOUT_SLICE,
    ballotBatchMax: env.BALLOT_BATCH_MAX,
    role: env.ROLE,
    ballotBodyLimitBytes: env.BALLOT_BODY_LIMIT_BYTES,
    adminBodyLimitBytes: env.ADMIN_BODY_LIMIT_BYTES,
    http: httpLimitsFromEnv(env),
    cookieSecure: env.COOKIE_SECURE,
    trustProxy: env.TRUST_PROXY,
    // Pages served under PUBLIC_URL (a proxy's name for us) may use the API and sockets too.
    allowedOrigins: [...env.ALLOWED_ORIGINS, ...(env.PUBLIC_URL ? [env.PUBLIC_URL] : [])],
    adminAuthFailuresPerMinute: env.ADMIN_AUTH_FAILURES_PER_MINUTE,
    socketMaxRounds: env.SOCKET_MAX_ROUNDS,
    socketJoinsPerMinute: env.SOCKET_JOINS_PER_MINUTE,
    voterLimits: voterLimitsFromEnv(env),
    integrityScanLimit: env.INTEGRITY_SCAN_LIMIT,
    history: {
      checkpointEntries: env.HISTORY_CHECKPOINT_ENTRIES,
      cachedEpochs: env.HISTORY_CACHED_EPOCHS,
      replayFrames: env.REPLAY_MAX_FRAMES,
    },
    ...(env.STATIC_DIR ? { staticDir: env.STATIC_DIR } : {}),
    ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
    ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
    ballotDurability: ballotDurabilityFromEnv(env),
  };
  // A worker's /metrics answers with every worker's metrics, collected by the primary (cluster-metrics.ts).
  const server = createServer({ config, redis, logger, ...(worker ? { metricsText: askPrimaryForMetrics } : {}) });
  if (worker) shareWithPrimary(server.metrics.registry);
  const seeded = !worker && env.SEED_DEMO && (await seedDemoRound(server.rounds));

  let shuttingDown = false;
  // Ordered and idempotent: stop accepting and close sockets, then Redis, then the private redis-server.
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (!worker) logger.info(`${signal}: shutting down`);
    await server.close();
    await closeRedisClient(redis);
    await managed?.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  try {
    await listen(server, env);
  } catch (error) {
    await server.close().catch(() => undefined);
    redis.disconnect();
    throw error;
  }
  if (worker) return;
  const address = server.httpServer.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  await printStartup(env, port, { token: config.adminToken, fromEnv: !!adminTokenFromEnv }, seeded, server.rounds);
}

/**
 * WORKERS > 1: this process starts Redis (or checks REDIS_URL), agrees the secrets, seeds the demo round, then
 * forks the workers, which share PORT (node:cluster hands connections out in turn). A worker that dies is
 * replaced; SIGTERM/SIGINT stop the workers, then Redis.
 */
async function primary(env: EnvConfig): Promise<void> {
  const target = await connectRedis(env);
  const redis = redisClient(target);
  await redis.connect();
  if (externalRedis(env)) logDurability(await checkRedisDurability(redis));
  await checkReplicas(redis, env);
  if (env.METRICS_TOKEN) aggregateWorkerMetrics();
  const adminToken = await sharedSecret(redis, "admin-token", env.ADMIN_TOKEN);
  // Made here once, so that the workers read it instead of racing to create it.
  await sharedSecret(redis, "voter-token-secret", env.VOTER_TOKEN_SECRET);
  const rounds = new RoundsRepository(redis);
  const seeded = env.SEED_DEMO && (await seedDemoRound(rounds));

  const workers = new Set<Worker>();
  let started = false;
  let shuttingDown = false;
  let failStart: (error: Error) => void = () => {};
  const fork = () => {
    const worker = cluster.fork({ [WORKER_REDIS_TARGET]: JSON.stringify(target) });
    workers.add(worker);
    worker.once("exit", (code, signal) => {
      workers.delete(worker);
      if (shuttingDown) return;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (!started) {
        failStart(new ListenError(`a worker process exited (${how}) before it was listening`));
        return;
      }
      logger.error(`worker ${worker.process.pid} exited (${how}): starting another`);
      fork();
    });
    return worker;
  };
  const stopWorkers = async () => {
    const exits = [...workers].map((worker) => new Promise((resolve) => worker.once("exit", resolve)));
    for (const worker of workers) worker.process.kill("SIGTERM");
    await Promise.all(exits);
  };
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info(`${signal}: shutting down`);
    await stopWorkers();
    await closeRedisClient(redis);
    await managed?.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  const port = await new Promise<number>((resolve, reject) => {
    failStart = reject;
    let listening = 0;
    for (let index = 0; index < env.WORKERS; index++) {
      fork().once("listening", (address) => {
        listening += 1;
        if (listening === env.WORKERS) resolve(address.port);
      });
    }
  }).catch(async (error: unknown) => {
    shuttingDown = true;
    await stopWorkers();
    redis.disconnect();
    throw error;
  });
  started = true;
  await printStartup(env, port, { token: adminToken, fromEnv: !!env.ADMIN_TOKEN }, seeded, rounds);
}

/**
 * BALLOT_DURABILITY=replicated refuses every ballot of a master without a connected replica: say so at start
 * rather than on the first ballot.
 */
async function checkReplicas(redis: RedisClient, env: EnvConfig): Promise<void> {
  if (env.BALLOT_DURABILITY !== "replicated") return;
  const counts = await execEach(redis, async (node) => {
    const info = await node.info("replication");
    return Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0);
  }).catch(() => null);
  if (counts === null) logger.warn("BALLOT_DURABILITY=replicated: could not read INFO replication");
  else if (counts.some((count) => count === 0)) {
    logger.warn(
      "BALLOT_DURABILITY=replicated, but a Redis master has no connected replica: its ballots get 503 UNAVAILABLE " +
        "until one is connected",
    );
  } else logger.info(`BALLOT_DURABILITY=replicated: every master has a replica (${counts.join(", ")})`);
}

/** The check of an external Redis's persistence: a warning when it cannot keep every acknowledged ballot. */
function logDurability(report: { ok: boolean; message: string }): void {
  if (report.ok) logger.info(report.message);
  else logger.warn(report.message);
}

async function main(): Promise<void> {
  const env = parseEnv(process.env);
  logger = createLogger(env.LOG_LEVEL);
  if (cluster.isPrimary && env.WORKERS > 1) await primary(env);
  else await serve(env);
}

main().catch(async (error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof RedisServerNotFoundError ||
    error instanceof DataDirInUseError ||
    error instanceof ListenError
  ) {
    logger.fatal(error.message);
  } else {
    logger.fatal({ err: error }, "failed to start");
  }
  await managed?.stop();
  process.exit(1);
});
