import { type ChainableCommander, Cluster, Redis } from "ioredis";
import type { RedisTarget } from "../config.js";

/** The backend's Redis client: one Redis, or ioredis's Cluster client. Only this file tells them apart. */
export type RedisClient = Redis | Cluster;

/**
 * How often a command is retried across reconnects before it fails. Low on purpose: a voter's ballot that
 * fails fast gets a 503 and is retried by the client with the same idempotency key, which is safe, instead of
 * hanging while Redis is away.
 */
const MAX_RETRIES_PER_REQUEST = 3;

/**
 * Cluster: how long a command waits between its tries while the cluster is down (CLUSTERDOWN), a slot is being
 * migrated (TRYAGAIN) or a failover is under way. ioredis tries up to MAX_REDIRECTIONS times, so a command gives up
 * (and its ballot gets a retryable 503) after about 2 s, well before a voter's retry would.
 */
const CLUSTER_RETRY_DELAY_MS = 100;
const MAX_REDIRECTIONS = 16;

/**
 * The one way to make the backend's Redis client (used by main.ts, the tests and the benchmarks): a URL gives a
 * Redis, a cluster target ioredis's Cluster client. Connection errors are reported to `onError`; ioredis keeps
 * reconnecting by itself.
 */
export function createRedisClient(target: string | { url: string }, onError?: (error: Error) => void): Redis;
export function createRedisClient(target: string | RedisTarget, onError?: (error: Error) => void): RedisClient;
export function createRedisClient(
  target: string | RedisTarget,
  onError: (error: Error) => void = (error) => console.error(`redis: ${error.message}`),
): RedisClient {
  const resolved = typeof target === "string" ? { url: target } : target;
  let redis: RedisClient;
  if ("url" in resolved) {
    redis = new Redis(resolved.url, { maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST, lazyConnect: true });
  } else {
    const { nodes, username, password, tls } = resolved.cluster;
    redis = new Cluster(nodes, {
      lazyConnect: true,
      enableReadyCheck: true,
      // Every read from the master: a replica may lag behind, and a board must never show a count going back.
      scaleReads: "master",
      maxRedirections: MAX_REDIRECTIONS,
      retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
      retryDelayOnTryAgain: CLUSTER_RETRY_DELAY_MS,
      retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
      redisOptions: {
        maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
        ...(username ? { username } : {}),
        ...(password ? { password } : {}),
        ...(tls ? { tls: {} } : {}),
      },
    });
  }
  redis.on("error", onError);
  return redis;
}

/** How long a closing client waits for QUIT's answer before it just drops its connections. */
const QUIT_TIMEOUT_MS = 2_000;

/**
 * Closes a client: QUIT (pending replies are read first), or a plain disconnect when it is not answered in time. A
 * cluster client waits for every node's answer to QUIT, and a dead node never answers.
 */
export async function closeRedisClient(redis: RedisClient): Promise<void> {
  if (redis.status === "end") return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, QUIT_TIMEOUT_MS);
  });
  await Promise.race([redis.quit().catch(() => undefined), late]);
  clearTimeout(timer);
  redis.disconnect();
}

export function isCluster(redis: RedisClient): redis is Cluster {
  return redis.isCluster;
}

/** The processes that hold data: every master of a cluster (as the client knows them now), or the one Redis. */
export function dataNodes(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes("master") : [redis];
}

/** Runs a command that concerns one process (INFO, CONFIG, FLUSHALL, SCAN) on each data node. */
export async function execEach<T>(redis: RedisClient, run: (node: Redis) => Promise<T>): Promise<T[]> {
  // A cluster client knows its masters once it has connected and read the slots (a lazy one not before a command).
  if (isCluster(redis) && redis.status !== "ready") await redis.ping();
  return Promise.all(dataNodes(redis).map(run));
}

/**
 * Every key matching `match`, by SCAN on every data node (never a blocking KEYS). A key seen twice (a slot
 * migrating while we scan) is listed once.
 */
export async function scanKeys(redis: RedisClient, match: string, count = 1000): Promise<string[]> {
  const found = new Set<string>();
  await execEach(redis, async (node) => {
    for await (const batch of node.scanStream({ match, count })) for (const key of batch as string[]) found.add(key);
  });
  return [...found];
}

type PipelineReply = [Error | null, unknown];

/**
 * Runs what `add` puts in a pipeline for each group and returns the replies in order, as one pipeline would. On
 * one Redis it is one pipeline; on a cluster, one pipeline per group, because a pipeline must stay on one slot
 * and each group's keys share one hash tag (a round's, an event's), while different groups may live on other nodes.
 */
export async function pipelineGroups<T>(
  redis: RedisClient,
  groups: readonly T[],
  add: (pipeline: ChainableCommander, group: T) => void,
): Promise<PipelineReply[]> {
  if (!isCluster(redis)) {
    const pipeline = redis.pipeline();
    for (const group of groups) add(pipeline, group);
    return ((await pipeline.exec()) ?? []) as PipelineReply[];
  }
  const replies = await Promise.all(
    groups.map(async (group) => {
      const pipeline = redis.pipeline();
      add(pipeline, group);
      return ((await pipeline.exec()) ?? []) as PipelineReply[];
    }),
  );
  return replies.flat();
}

/**
 * Errors that say Redis is away or busy moving data, not that the request is wrong: the caller answers 503
 * UNAVAILABLE and the client retries (a ballot with its idempotency key, so it is counted once). Connection loss,
 * a command cut off with its connection, a cluster without a quorum (CLUSTERDOWN), a slot in migration (TRYAGAIN),
 * redirections that never settle, a node still loading its data or just demoted to replica (READONLY).
 */
export function isRetryableRedisError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "MaxRetriesPerRequestError" || error.name === "ClusterAllFailedError") return true;
  // A command of a pipeline cut by a closed connection after part of the pipeline was answered: ioredis cannot
  // tell whether it ran, so it does not resend it. Retrying is safe the way it is for a lost reply (a ballot
  // replays its idempotency key).
  if (error.name === "AbortError" && error.message === "Command aborted due to connection close") return true;
  const message = error.message;
  return (
    message === "Connection is closed." ||
    message.startsWith("Too many Cluster redirections") ||
    message.startsWith("Cluster isn't ready") ||
    message.startsWith("Failed to refresh slots cache") ||
    /^(CLUSTERDOWN|TRYAGAIN|MOVED|ASK|LOADING|READONLY|MASTERDOWN|NOREPLICAS)\b/.test(message)
  );
}
