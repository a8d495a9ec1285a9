import { Redis } from "ioredis";

/**
 * How often a command is retried across reconnects before it fails. Low on purpose: a voter's ballot that
 * fails fast gets a 503 and is retried by the client with the same idempotency key, which is safe, instead of
 * hanging while Redis is away.
 */
const MAX_RETRIES_PER_REQUEST = 3;

/**
 * The one way to make the backend's Redis client (used by main.ts, the tests and the benchmarks). Connection
 * errors are reported to `onError`; ioredis keeps reconnecting by itself.
 */
export function createRedisClient(
  url: string,
  onError: (error: Error) => void = (error) => console.error(`redis: ${error.message}`),
): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST, lazyConnect: true });
  redis.on("error", onError);
  return redis;
}
