import { ChallengeSolutionSchema, RoundIdSchema } from "@lb/common";
import type { Request, RequestHandler } from "express";
import type { Redis } from "ioredis";
import { AppError } from "../http/app-error.js";
import { parseBody } from "../http/validate.js";
import { clientAddress } from "./client-address.js";
import { RoundNetworks } from "./networks.js";
import { type LimitedAction, VoterLimits, type VoterLimitsConfig } from "./voter-limits.js";

/**
 * What stands between a client and a new voter token or a counted ballot in an open round: the round's allowed
 * networks (403 NETWORK_NOT_ALLOWED), then the per-IP and per-network limits (see voter-limits.ts). The client
 * is `req.ip`, which honours TRUST_PROXY and nothing else.
 */
export class VoterGate {
  readonly limits: VoterLimits;
  private readonly networks: RoundNetworks;

  constructor(redis: Redis, voterTokenSecret: string, config: VoterLimitsConfig) {
    this.limits = new VoterLimits(redis, voterTokenSecret, config);
    this.networks = new RoundNetworks(redis);
  }

  async checkNetwork(roundId: string, req: Request): Promise<void> {
    if (!(await this.networks.allows(roundId, clientAddress(req.ip).ip))) {
      throw new AppError(
        "NETWORK_NOT_ALLOWED",
        "This round takes votes only from the venue's network: join the venue Wi-Fi and try again.",
      );
    }
  }

  /** The limits of one action; `challenge` is the request body's (possibly absent) solution. */
  async checkLimits(action: LimitedAction, req: Request, challenge: unknown): Promise<void> {
    if (!this.limits.enabled) return;
    const solution = challenge === undefined ? undefined : parseBody(ChallengeSolutionSchema, challenge);
    await this.limits.check(action, clientAddress(req.ip), solution);
  }

  /** Ballot routes (after the JSON body parser): the round's networks, then the ballot limits. */
  ballots(): RequestHandler {
    return async (req, _res, next) => {
      const roundId = RoundIdSchema.safeParse(req.params.id);
      // A bad round id gets its 404 from the route; there is no round to take rules from.
      if (roundId.success) await this.checkNetwork(roundId.data, req);
      await this.checkLimits("ballot", req, (req.body as { challenge?: unknown } | undefined)?.challenge);
      next();
    };
  }
}
