import { ChallengeSolutionSchema, RoundIdSchema } from "@lb/common";
import type { Request } from "express";
import { AppError } from "../http/app-error.js";
import { parseBody } from "../http/validate.js";
import type { LimiterHook, LimiterOutcome } from "../observability/metrics.js";
import { roundKeys } from "../redis/keys.js";
import type { RedisClient } from "../redis/redis-client.js";
import { addressHasher } from "./address-hash.js";
import { clientAddress } from "./client-address.js";
import { RoundNetworks } from "./networks.js";
import {
  ChallengeRequiredError,
  type LimitedAction,
  RateLimitedError,
  VoterLimits,
  type VoterLimitsConfig,
} from "./voter-limits.js";

/** What the gate needs of a request: the client's IP as Express's `req.ip` gives it (the ballot fast path too). */
export type GateClient = Pick<Request, "ip">;

/**
 * What stands between a client and a new voter token or a counted ballot in an open round: the round's allowed
 * networks (403 NETWORK_NOT_ALLOWED), then the per-IP and per-network limits (see voter-limits.ts). The client
 * is `req.ip`, which honours TRUST_PROXY and nothing else.
 */
export class VoterGate {
  readonly limits: VoterLimits;
  private readonly networks: RoundNetworks;
  private readonly hashAddress: ReturnType<typeof addressHasher>;

  constructor(
    private readonly redis: RedisClient,
    voterTokenSecret: string,
    config: VoterLimitsConfig,
    /** Told of every request the limits challenge or refuse, and of every solved challenge (the metrics). */
    private readonly onLimit: LimiterHook = () => {},
  ) {
    this.limits = new VoterLimits(redis, voterTokenSecret, config);
    this.networks = new RoundNetworks(redis);
    this.hashAddress = addressHasher(voterTokenSecret);
  }

  async checkNetwork(roundId: string, req: GateClient): Promise<void> {
    if (!(await this.networks.allows(roundId, clientAddress(req.ip).ip))) {
      throw new AppError(
        "NETWORK_NOT_ALLOWED",
        "This round takes votes only from the venue's network: join the venue Wi-Fi and try again.",
      );
    }
  }

  /**
   * The limits of one action; `challenge` is the request body's (possibly absent) solution. Challenges handed out
   * and solved for a request that names its round are counted for that round's integrity report.
   */
  async checkLimits(action: LimitedAction, req: GateClient, challenge: unknown, roundId?: string): Promise<void> {
    if (!this.limits.enabled) return;
    const solution = challenge === undefined ? undefined : parseBody(ChallengeSolutionSchema, challenge);
    try {
      const outcome = await this.limits.check(action, clientAddress(req.ip), solution);
      if (outcome === "solved") this.onLimit(action, "solved");
      if (outcome === "solved" && roundId) await this.countChallenge(roundId, "challengesSolved");
    } catch (error) {
      const hit = limitOutcome(error);
      if (hit) this.onLimit(action, hit);
      if (error instanceof ChallengeRequiredError && roundId) await this.countChallenge(roundId, "challengesIssued");
      throw error;
    }
  }

  private async countChallenge(roundId: string, field: "challengesIssued" | "challengesSolved"): Promise<void> {
    await this.countInEpoch(roundId, (keys) => keys.integrity, field);
  }

  /** A new voter token handed out by a page of this round: counted per network for the integrity report. */
  async recordMint(roundId: string, req: Request): Promise<void> {
    await this.countInEpoch(roundId, (keys) => keys.minted, this.hashAddress(clientAddress(req.ip)).network);
  }

  private async countInEpoch(
    roundId: string,
    key: (keys: ReturnType<ReturnType<typeof roundKeys>["epoch"]>) => string,
    field: string,
  ): Promise<void> {
    const keys = roundKeys(roundId);
    const epoch = await this.redis.hget(keys.meta, "epoch");
    if (epoch !== null) await this.redis.hincrby(key(keys.epoch(Number(epoch))), field, 1);
  }

  /**
   * A ballot (after its JSON body is parsed): the round's networks, then the ballot limits. `id` is the path's raw
   * round id; `body` the parsed body, whose `challenge` is the solution, if any. Undefined when the answer was
   * known at once (limits off, the round's networks in memory and allowing the client): then the ballot takes no
   * promise and no extra turn of the microtask queue (issue 8: CPU per ballot).
   */
  checkBallot(id: string, client: GateClient, body: unknown): Promise<void> | undefined {
    if (!this.limits.enabled) {
      const roundId = RoundIdSchema.safeParse(id);
      if (!roundId.success || this.networks.allowsNow(roundId.data, clientAddress(client.ip).ip) === true) {
        return undefined;
      }
    }
    return this.checkBallotAndWait(id, client, body);
  }

  private async checkBallotAndWait(id: string, client: GateClient, body: unknown): Promise<void> {
    const roundId = RoundIdSchema.safeParse(id);
    // A bad round id gets its 404 from the route; there is no round to take rules from.
    if (roundId.success) await this.checkNetwork(roundId.data, client);
    const challenge = (body as { challenge?: unknown } | undefined)?.challenge;
    await this.checkLimits("ballot", client, challenge, roundId.success ? roundId.data : undefined);
  }
}

/** What the limits did, from what they threw (nothing for an error of Redis's). */
function limitOutcome(error: unknown): LimiterOutcome | undefined {
  if (error instanceof ChallengeRequiredError) return "challenged";
  if (error instanceof RateLimitedError) return "refused";
  if (error instanceof AppError && error.code === "CHALLENGE_FAILED") return "failed";
  return undefined;
}
