import { randomBytes } from "node:crypto";
import { type Exclusion, type ExclusionRequest, type ExclusionSelector, LIMITS } from "@lb/common";
import { AppError } from "../http/app-error.js";
import type { LeaderboardRepository } from "../leaderboard/leaderboard.repository.js";
import { roundKeys } from "../redis/keys.js";
import { scripts } from "../redis/lua-script.js";
import type { RedisClient } from "../redis/redis-client.js";

/** How many times a new exclusion id is drawn when one exists already (64 random bits: never in practice). */
const MAX_ATTEMPTS = 3;

const pickSetKey = (choices: readonly string[]) => [...choices].sort().join(",");

function selectorOf(request: ExclusionRequest): ExclusionSelector {
  if (request.ballotIds) return { ballotIds: [...new Set(request.ballotIds)] };
  if (request.network) return { network: request.network };
  return { pickSet: [...new Set(request.pickSet ?? [])].sort() };
}

/**
 * Reversible exclusions: ballots taken out of an epoch's live tally (and put back) by one Lua script each, so
 * the tally, the counters, the audit log and the excluded set change together. Node finds the candidates in
 * the audit log; the script re-checks every one.
 */
export class ExclusionsRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly leaderboard: LeaderboardRepository,
  ) {}

  private scriptKeys(roundId: string, epoch: number): string[] {
    const keys = roundKeys(roundId).epoch(epoch);
    return [
      keys.state,
      keys.tally,
      keys.audit,
      keys.exclusions,
      keys.exclusionBallots,
      keys.excluded,
      keys.excludedReasons,
    ];
  }

  /**
   * The audit stream ids of the ballots a selector matches, oldest first. For a network or a pick-set, only
   * ballots not out already, and at most `LIMITS.exclusionMaxBallots` (the organiser excludes again for
   * more). Named ballots that are not in the epoch's log are refused.
   */
  private async candidates(roundId: string, epoch: number, selector: ExclusionSelector): Promise<string[]> {
    const named = "ballotIds" in selector ? new Set(selector.ballotIds) : null;
    const wantedPicks = "pickSet" in selector ? pickSetKey(selector.pickSet) : null;
    // ballot id -> stream id, in log order; ballots an exclusion has out are parked until an undo brings them back.
    const matched = new Map<string, string>();
    const out = new Map<string, string>();
    for await (const batch of this.leaderboard.auditRecords(roundId, epoch, "+", { withReceiptHash: false })) {
      for (const { id, line } of batch) {
        if (line.kind === "ballot") {
          const hit = named
            ? named.has(line.ballotId)
            : wantedPicks !== null
              ? pickSetKey(line.choices) === wantedPicks
              : "network" in selector && line.network === selector.network;
          if (hit) matched.set(line.ballotId, id);
        } else if (!named) {
          const [from, to] = line.kind === "exclude" ? [matched, out] : [out, matched];
          for (const ballotId of line.ballotIds) {
            const streamId = from.get(ballotId);
            if (streamId === undefined) continue;
            from.delete(ballotId);
            to.set(ballotId, streamId);
          }
        }
      }
    }
    if (named) {
      const missing = [...named].find((ballotId) => !matched.has(ballotId));
      if (missing !== undefined) {
        throw new AppError("NOT_FOUND", `Ballot ${missing} is not in this epoch's audit log.`);
      }
    }
    // Map order is insertion order: the oldest matching ballots first.
    return [...matched.values()].slice(0, LIMITS.exclusionMaxBallots);
  }

  async create(roundId: string, epoch: number, request: ExclusionRequest): Promise<Exclusion> {
    const selector = selectorOf(request);
    const streamIds = await this.candidates(roundId, epoch, selector);
    if (streamIds.length === 0) throw new AppError("NOT_FOUND", "No counted ballot matches this selector.");
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const id = randomBytes(8).toString("hex");
      const record = { id, reason: request.reason, selector, createdAt: new Date().toISOString() };
      const result = await scripts.excludeBallots.run(this.redis, this.scriptKeys(roundId, epoch), [
        id,
        request.reason,
        JSON.stringify(record),
        ...streamIds,
      ]);
      if (result[0] === "OK") return JSON.parse(result[2] ?? "{}") as Exclusion;
      if (result[1] === "RETRY") continue;
      if (result[1] === "EPOCH_NOT_FOUND")
        throw new AppError("EPOCH_NOT_FOUND", `Round ${roundId} has no epoch ${epoch}.`);
      // Every candidate was taken out by another exclusion between our read and the script.
      throw new AppError("NOT_FOUND", "No counted ballot matches this selector any more.");
    }
    throw new AppError("UNAVAILABLE", "Could not pick an exclusion id; try again.");
  }

  /** Puts an exclusion's ballots back; undoing one that is undone already answers it unchanged. */
  async undo(roundId: string, epoch: number, exclusionId: string): Promise<Exclusion> {
    const result = await scripts.restoreBallots.run(this.redis, this.scriptKeys(roundId, epoch), [
      exclusionId,
      new Date().toISOString(),
    ]);
    if (result[0] === "ERR") throw new AppError("NOT_FOUND", `This epoch has no exclusion ${exclusionId}.`);
    return JSON.parse(result[1] ?? "{}") as Exclusion;
  }

  /** The epoch's exclusions, oldest first (undone ones too). */
  async list(roundId: string, epoch: number): Promise<Exclusion[]> {
    const records = await this.redis.hvals(roundKeys(roundId).epoch(epoch).exclusions);
    return records
      .map((json) => JSON.parse(json) as Exclusion)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }
}
