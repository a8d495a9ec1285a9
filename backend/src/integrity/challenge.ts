import { createHmac } from "node:crypto";
import type { Challenge, ChallengeSolution } from "@lb/common";
// ALTCHA's v1 proof of work (SHA-256 of salt + a secret number up to `maxnumber`): its cost is one number, and
// phones solve it with plain SHA-256, which works on a venue LAN over plain HTTP where WebCrypto does not.
import { createChallenge, verifySolution } from "altcha-lib/v1";
import { usedChallengeKey } from "../redis/keys.js";
import type { RedisClient } from "../redis/redis-client.js";

export interface ChallengeOptions {
  /** Seconds a challenge may be solved and used in. */
  ttlSec: number;
  /** maxnumber at no pressure and at full pressure. */
  minCost: number;
  maxCost: number;
}

/** Self-hosted ALTCHA challenges: signed with a key derived from the voter-token secret, each usable once. */
export class Challenges {
  private readonly hmacKey: string;

  constructor(
    private readonly redis: RedisClient,
    voterTokenSecret: string,
    private readonly options: ChallengeOptions,
  ) {
    // A key of its own: a challenge signature can never pass for a voter token or the other way round.
    this.hmacKey = createHmac("sha256", voterTokenSecret).update("lb:altcha-challenge").digest("hex");
  }

  /** The cost for a pressure between 0 (just past the soft limit) and 1 (at the hard limit), growing geometrically. */
  cost(pressure: number): number {
    const { minCost, maxCost } = this.options;
    const p = Math.min(1, Math.max(0, pressure));
    return Math.round(minCost * (maxCost / minCost) ** p);
  }

  async create(pressure: number): Promise<Challenge> {
    const challenge = await createChallenge({
      hmacKey: this.hmacKey,
      algorithm: "SHA-256",
      maxnumber: this.cost(pressure),
      expires: new Date(Date.now() + this.options.ttlSec * 1000),
    });
    return { ...challenge, algorithm: "SHA-256", maxnumber: challenge.maxnumber ?? this.cost(pressure) };
  }

  /**
   * Whether a solution is right, unexpired, signed by us and not used before; a right one is marked used (in
   * Redis, so no backend accepts it twice) until its challenge would have expired anyway.
   */
  async redeem(solution: ChallengeSolution): Promise<boolean> {
    if (!(await verifySolution(solution, this.hmacKey, true))) return false;
    const fresh = await this.redis.set(usedChallengeKey(solution.signature), "1", "EX", this.options.ttlSec, "NX");
    return fresh === "OK";
  }
}
