import { type Leaderboard, type LeaderboardUpdate, resultsVisible, type Viewer } from "@lb/common";
import type { Redis } from "ioredis";
import { sameSecret } from "../auth/admin-auth.js";
import { AppError } from "../http/app-error.js";
import { roundKeys } from "../redis/keys.js";
import type { RoundsRepository } from "../rounds/rounds.repository.js";
import { voterHash } from "../voters/voter-token.js";
import type { RoundSnapshot } from "./leaderboard.repository.js";

/** What a caller presented; only what the server can check counts. */
export interface Credentials {
  adminToken?: string | undefined;
  screenKey?: string | undefined;
  /** From a verified voter token, or null. */
  voterId?: string | null | undefined;
}

/**
 * Decides who is looking at a round's results, for HTTP and sockets alike: the organiser (admin token), the
 * projector (the round's screen key) or a voter (who may or may not have voted in the epoch).
 */
export class BoardAccess {
  constructor(
    private readonly redis: Redis,
    private readonly rounds: RoundsRepository,
    private readonly adminToken: string,
  ) {}

  /**
   * `epoch` is the one whose ballots count for "has voted"; the current one when undefined. A caller with
   * neither the admin token nor the screen key gets ROUND_NOT_FOUND for a round that is not public yet.
   */
  async viewer(roundId: string, epoch: number | undefined, credentials: Credentials): Promise<Viewer> {
    const votersEpoch = epoch ?? (await this.rounds.requireCurrentEpoch(roundId));
    if (credentials.adminToken !== undefined) {
      if (!sameSecret(this.adminToken, credentials.adminToken)) {
        throw new AppError("UNAUTHORIZED", "The organiser's token is not valid.");
      }
      return { kind: "admin" };
    }
    if (credentials.screenKey !== undefined) {
      if (!(await this.rounds.isScreenKey(roundId, credentials.screenKey))) {
        throw new AppError(
          "INVALID_SCREEN_KEY",
          "This screen key is not valid for the round; ask the organiser for the screen link.",
        );
      }
      return { kind: "screen" };
    }
    // Voters and anonymous watchers: a round not yet public is not there for them.
    await this.rounds.requirePublic(roundId);
    const voterId = credentials.voterId;
    if (!voterId) return { kind: "voter", hasVoted: false };
    const votersKey = roundKeys(roundId).epoch(votersEpoch).voters;
    return { kind: "voter", hasVoted: (await this.redis.hexists(votersKey, voterHash(voterId))) === 1 };
  }
}

/** Whether the viewer may see this snapshot's votes and ranks. */
export function canSeeResults(viewer: Viewer, snapshot: RoundSnapshot): boolean {
  return resultsVisible(viewer, snapshot.summary.rules, snapshot.summary.votingEnded);
}

/** A board with votes and ranks taken out: what a viewer who may not see results gets. */
export function hideResults(board: Leaderboard): Leaderboard {
  return { ...board, resultsHidden: true, entries: [] };
}

export function hideChanges(update: LeaderboardUpdate): LeaderboardUpdate {
  return { ...update, changes: [] };
}
