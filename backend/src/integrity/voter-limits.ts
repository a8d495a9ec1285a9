import type { Challenge, ChallengeSolution } from "@lb/common";
import { BurstyRateLimiter, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../http/app-error.js";
import { voterLimitKeyPrefix } from "../redis/keys.js";
import type { RedisClient } from "../redis/redis-client.js";
import { Challenges } from "./challenge.js";
import type { ClientAddress } from "./client-address.js";

/**
 * Limits per client IP and per network (/24, /64) on minting voter tokens and on ballots, on Redis so that they
 * hold across backends. Each is a token bucket approximated by rate-limiter-flexible's BurstyRateLimiter: a
 * sustained rate (a one-second window) plus a bounded burst that refills once per burst window.
 *
 * - soft: requests within it pass as they are;
 * - past it, a request must carry a solved proof-of-work challenge (428 CHALLENGE_REQUIRED hands one out), whose
 *   cost grows as the hard limit nears;
 * - hard: every request counts against it, solved or not; past it 429 RATE_LIMITED with Retry-After.
 */
export interface VoterLimitsConfig {
  /** false = VOTER_LIMITS=off: no limits (benchmarks, or a gate in front); allowed networks still apply. */
  enabled: boolean;
  /** Requests per second per IP passing without a challenge. */
  softRate: number;
  /** Extra requests per IP without a challenge per burst window. */
  softBurst: number;
  /** Requests per second per IP answered at all. */
  hardRate: number;
  hardBurst: number;
  /** Seconds after which a spent burst is whole again. */
  burstWindowSec: number;
  /** Network limits = IP limits times this. */
  networkFactor: number;
  /** Challenge cost (ALTCHA maxnumber) just past the soft limit and at the hard limit. */
  challengeMinCost: number;
  challengeMaxCost: number;
  challengeTtlSec: number;
}

/**
 * The defaults, chosen for a hall of phones behind one NAT address: 12 new voters (and 12 ballots) a second
 * pass without a challenge, forever, plus 40 at once per minute; so 10 a second for a minute never see one, and
 * 2,000 phones arriving evenly vote in (2,000 - 40) / 12 = 163 s. A script that solves no challenge gets at
 * most 12 ballots a second plus 40 per minute (15 s: 180 + 40, at most 80 if a minute boundary falls inside:
 * under 18.2 a second). Past 60 requests a second per IP (and 200 at once per minute) even solvers wait.
 */
export const DEFAULT_VOTER_LIMITS: VoterLimitsConfig = {
  enabled: true,
  softRate: 12,
  softBurst: 40,
  hardRate: 60,
  hardBurst: 200,
  burstWindowSec: 60,
  networkFactor: 2,
  challengeMinCost: 20_000,
  challengeMaxCost: 1_000_000,
  challengeTtlSec: 120,
};

export type LimitedAction = "mint" | "ballot";
type Tier = "soft" | "hard";
type Scope = "ip" | "net";

/** The answer to a request that must solve a challenge first: 428 with the challenge beside the error. */
export class ChallengeRequiredError extends AppError {
  constructor(readonly challenge: Challenge) {
    super("CHALLENGE_REQUIRED", "Many requests come from this network: solve the challenge and send it again.");
    this.body = { challenge };
  }
}

/** Whether a consume passed, and the limiter's answer either way. */
interface Outcome {
  passed: boolean;
  res: RateLimiterRes;
}

export class VoterLimits {
  private readonly limiters = new Map<string, BurstyRateLimiter | RateLimiterRedis>();
  readonly challenges: Challenges;

  constructor(
    redis: RedisClient,
    voterTokenSecret: string,
    private readonly config: VoterLimitsConfig,
  ) {
    this.challenges = new Challenges(redis, voterTokenSecret, {
      ttlSec: config.challengeTtlSec,
      minCost: config.challengeMinCost,
      maxCost: config.challengeMaxCost,
    });
    for (const action of ["mint", "ballot"] as const) {
      for (const tier of ["soft", "hard"] as const) {
        for (const scope of ["ip", "net"] as const) {
          const factor = scope === "net" ? config.networkFactor : 1;
          const name = `${action}:${tier}:${scope}`;
          const limiter = (suffix: string, points: number, duration: number) =>
            new RateLimiterRedis({
              storeClient: redis,
              // ioredis is the default client; fail fast (503) instead of queueing while Redis is away.
              rejectIfRedisNotReady: true,
              keyPrefix: voterLimitKeyPrefix(`${name}:${suffix}`),
              points,
              duration,
            });
          const rate = tier === "soft" ? config.softRate : config.hardRate;
          const burst = tier === "soft" ? config.softBurst : config.hardBurst;
          const sustained = limiter("rate", rate * factor, 1);
          this.limiters.set(
            name,
            burst === 0
              ? sustained
              : new BurstyRateLimiter(sustained, limiter("burst", burst * factor, config.burstWindowSec)),
          );
        }
      }
    }
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /**
   * Lets a request through, or throws: 429 RATE_LIMITED past the hard limit, 428 CHALLENGE_REQUIRED past the soft
   * one without a solution, 403 CHALLENGE_FAILED for a wrong, expired or reused solution.
   */
  /** Passes (`free`: within the soft limit; `solved`: past it, with a valid solution) or throws. */
  async check(
    action: LimitedAction,
    address: ClientAddress,
    solution: ChallengeSolution | undefined,
  ): Promise<"free" | "solved"> {
    if (!this.config.enabled) return "free";
    const keys: Record<Scope, string> = { ip: address.ip, net: address.network };
    const consume = async (tier: Tier, scope: Scope): Promise<Outcome> => {
      const limiter = this.limiters.get(`${action}:${tier}:${scope}`);
      if (!limiter) throw new Error(`no limiter ${action}:${tier}:${scope}`);
      try {
        return { passed: true, res: await limiter.consume(keys[scope]) };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return { passed: false, res: rejection };
        throw rejection; // Redis is away: the error middleware answers 503
      }
    };
    // One round trip for all four (ioredis pipelines commands sent together).
    const [hardIp, hardNet, softIp, softNet] = await Promise.all([
      consume("hard", "ip"),
      consume("hard", "net"),
      consume("soft", "ip"),
      consume("soft", "net"),
    ]);
    if (!hardIp.passed || !hardNet.passed) {
      const waitMs = Math.max(
        hardIp.passed ? 0 : hardIp.res.msBeforeNext,
        hardNet.passed ? 0 : hardNet.res.msBeforeNext,
      );
      throw new RateLimitedError(Math.max(1, Math.ceil(waitMs / 1000)));
    }
    if (softIp.passed && softNet.passed) return "free";
    if (solution) {
      if (await this.challenges.redeem(solution)) return "solved";
      throw new AppError("CHALLENGE_FAILED", "The challenge solution is wrong, expired or already used.");
    }
    // Pressure: how far this second's requests have gone from the soft rate towards the hard one.
    const pressure = (res: RateLimiterRes, factor: number) =>
      (res.consumedPoints - this.config.softRate * factor) /
      ((this.config.hardRate - this.config.softRate) * factor || 1);
    throw new ChallengeRequiredError(
      await this.challenges.create(Math.max(pressure(hardIp.res, 1), pressure(hardNet.res, this.config.networkFactor))),
    );
  }
}

/** 429 with the seconds to wait in `Retry-After`. */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSec: number) {
    super("RATE_LIMITED", `Too many requests from this network: try again in ${retryAfterSec} s.`);
    this.headers = { "Retry-After": String(retryAfterSec) };
  }
}
