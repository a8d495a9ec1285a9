import { createHash } from "node:crypto";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../http/app-error.js";
import type { LimiterHook } from "../observability/metrics.js";
import type { RedisClient } from "../redis/redis-client.js";

/** The window the failures are counted in. */
const WINDOW_SECONDS = 60;
/** Blocked IPs this process remembers at most (a flood of addresses must not grow memory without bound). */
const MAX_REMEMBERED_BLOCKS = 10_000;

/**
 * Throttles guessing of the organiser's token and of screen keys, per client IP, across every backend: failures
 * are counted in Redis (a fixed window of a minute), and past `failuresPerMinute` every attempt from that IP,
 * right or wrong, is refused with 429 RATE_LIMITED until the window ends (otherwise a right guess would still
 * show as a 200 among the 429s). Only failures write; a right secret costs one GET, a blocked IP none (this
 * process remembers the IPs it found blocked).
 */
export class AuthThrottle {
  private readonly limiter: RateLimiterRedis;
  private readonly blocked = new Map<string, number>();

  /** `adminToken` names the deployment: backends that share it share the counts, another deployment on the same Redis does not. */
  constructor(
    redis: RedisClient,
    private readonly failuresPerMinute: number,
    adminToken: string,
    /** Told of every attempt refused with 429 (the metrics). */
    private readonly onLimit: LimiterHook = () => {},
  ) {
    const deployment = createHash("sha256").update(`throttle:${adminToken}`).digest("hex").slice(0, 12);
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `lb:throttle:auth:${deployment}`,
      points: failuresPerMinute,
      duration: WINDOW_SECONDS,
    });
  }

  /**
   * Passes when `ok` and `ip` is not throttled; throws `failure()` for a wrong secret (counted) and RATE_LIMITED
   * (with the seconds until the window ends) when `ip` is past the limit.
   */
  async verify(ip: string, ok: boolean, failure: () => AppError): Promise<void> {
    const now = Date.now();
    const until = this.blocked.get(ip);
    if (until !== undefined) {
      if (until > now) {
        this.onLimit("auth", "refused");
        throw rateLimited(until - now);
      }
      this.blocked.delete(ip);
    }
    if (ok) {
      const counted = await this.limiter.get(ip);
      if (counted && counted.consumedPoints > this.failuresPerMinute) this.refuse(ip, counted.msBeforeNext);
      return;
    }
    try {
      await this.limiter.consume(ip);
    } catch (error) {
      if (error instanceof RateLimiterRes) this.refuse(ip, error.msBeforeNext);
      throw error;
    }
    throw failure();
  }

  private refuse(ip: string, msBeforeNext: number): never {
    this.onLimit("auth", "refused");
    if (this.blocked.size >= MAX_REMEMBERED_BLOCKS) this.blocked.clear();
    this.blocked.set(ip, Date.now() + msBeforeNext);
    throw rateLimited(msBeforeNext);
  }
}

function rateLimited(msBeforeNext: number): AppError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  const error = new AppError(
    "RATE_LIMITED",
    `Too many wrong organiser tokens or screen keys from this address; try again in ${seconds} s.`,
  );
  error.headers = { "Retry-After": String(seconds) };
  return error;
}
