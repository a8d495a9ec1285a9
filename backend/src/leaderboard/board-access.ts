import { type Leaderboard, type LeaderboardUpdate, resultsVisible, type Viewer } from "@lb/common";
import { sameSecret } from "../auth/admin-auth.js";
import type { AuthThrottle } from "../auth/auth-throttle.js";
import { AppError } from "../http/app-error.js";
import { ticketHash } from "../integrity/ticket-code.js";
import { roundKeys } from "../redis/keys.js";
import type { RedisClient } from "../redis/redis-client.js";
import type { RoundsRepository } from "../rounds/rounds.repository.js";
import { publicBoard } from "../show/show-state.js";
import { voterHash } from "../voters/voter-token.js";
import type { RoundSnapshot } from "./leaderboard.repository.js";

/** What a caller presented; only what the server can check counts. */
export interface Credentials {
  adminToken?: string | undefined;
  screenKey?: string | undefined;
  /** From a verified voter token, or null. */
  voterId?: string | null | undefined;
  /** A tickets round's ticket (normalised code): its holder has voted once the ticket has. */
  ticket?: string | null | undefined;
  /** The client's IP (`clientAddress(...).ip`): wrong tokens and keys are throttled per IP. */
  clientIp?: string | undefined;
}

/**
 * What a socket proved when it joined a round, kept so that the live hub can judge it again, in-process, whenever
 * the round's rules, epoch, status, window or screen key change.
 */
export interface Grant {
  viewer: Viewer;
  /** The epoch whose ballots `hasVoted` was read from. */
  epoch: number;
  /** The screen key it presented (screens only). */
  screenKey?: string;
}

/**
 * Decides who is looking at a round's results, for HTTP and sockets alike: the organiser (admin token), the
 * projector (the round's screen key) or a voter (who may or may not have voted in the epoch).
 */
export class BoardAccess {
  constructor(
    private readonly redis: RedisClient,
    private readonly rounds: RoundsRepository,
    private readonly adminToken: string,
    private readonly throttle: AuthThrottle,
    /** Keys ticket hashes (VOTER_TOKEN_SECRET), as the ballot script's records name tickets. */
    private readonly voterSecret: string,
  ) {}

  /**
   * `epoch` is the one whose ballots count for "has voted"; the current one when undefined. A caller with
   * neither the admin token nor the screen key gets ROUND_NOT_FOUND for a round that is not public yet.
   */
  async viewer(roundId: string, epoch: number | undefined, credentials: Credentials): Promise<Viewer> {
    const votersEpoch = epoch ?? (await this.rounds.requireCurrentEpoch(roundId));
    const clientIp = credentials.clientIp ?? "unknown";
    if (credentials.adminToken !== undefined) {
      await this.throttle.verify(
        clientIp,
        sameSecret(this.adminToken, credentials.adminToken),
        () => new AppError("UNAUTHORIZED", "The organiser's token is not valid."),
      );
      return { kind: "admin" };
    }
    if (credentials.screenKey !== undefined) {
      await this.throttle.verify(
        clientIp,
        await this.rounds.isScreenKey(roundId, credentials.screenKey),
        () =>
          new AppError(
            "INVALID_SCREEN_KEY",
            "This screen key is not valid for the round; ask the organiser for the screen link.",
          ),
      );
      return { kind: "screen" };
    }
    // Voters and anonymous watchers: a round not yet public is not there for them.
    await this.rounds.requirePublic(roundId);
    // The credential as cast-ballot.lua records it: the voter's hash, or `t:<ticket hash>` in tickets rounds.
    const { voterId, ticket } = credentials;
    const credential = voterId
      ? voterHash(voterId)
      : ticket
        ? `t:${ticketHash(this.voterSecret, roundId, ticket)}`
        : null;
    if (!credential) return { kind: "voter", hasVoted: false };
    const votersKey = roundKeys(roundId).epoch(votersEpoch).voters;
    return { kind: "voter", hasVoted: (await this.redis.hexists(votersKey, credential)) === 1 };
  }

  /** A socket's viewer of the round's current epoch, with what the live hub needs to judge it again later. */
  async grant(roundId: string, credentials: Credentials): Promise<Grant> {
    const epoch = await this.rounds.requireCurrentEpoch(roundId);
    const viewer = await this.viewer(roundId, epoch, credentials);
    return viewer.kind === "screen" && credentials.screenKey !== undefined
      ? { viewer, epoch, screenKey: credentials.screenKey }
      : { viewer, epoch };
  }
}

/**
 * Who a grant stands for now, judged without Redis against the round's current epoch and screen key, and never
 * more than it proved: the organiser stays the organiser (the token is fixed for the process's life); a screen
 * whose key was replaced is no one; a voter counts as having voted only in the epoch that was read (a ballot
 * cannot be taken back within an epoch, and one cast since is picked up by the rejoin that follows its receipt).
 */
export function viewerNow(grant: Grant, epoch: number, screenKey: string | null): Viewer | null {
  switch (grant.viewer.kind) {
    case "admin":
      return grant.viewer;
    case "screen":
      return screenKey !== null && sameSecret(screenKey, grant.screenKey) ? grant.viewer : null;
    case "voter":
      return { kind: "voter", hasVoted: grant.viewer.hasVoted && grant.epoch === epoch };
  }
}

/**
 * Whether a socket holding `grant` gets this snapshot's live votes and ranks (the results room), given the round's
 * current screen key. While the show freezes the public board only the organiser does: everyone else who may see
 * results gets the frozen board at join and updates without changes (the hidden room), like the rules' hidden.
 */
export function grantSeesResults(grant: Grant, snapshot: RoundSnapshot, screenKey: string | null): boolean {
  const viewer = viewerNow(grant, snapshot.board.epoch, screenKey);
  return viewer !== null && canSeeResults(viewer, snapshot) && (viewer.kind === "admin" || !frozen(snapshot));
}

/**
 * Whether the viewer may see this snapshot's votes and ranks: the round's rules, and for screens the show's
 * "hide results on screens" switch.
 */
export function canSeeResults(viewer: Viewer, snapshot: RoundSnapshot): boolean {
  if (viewer.kind === "screen" && snapshot.show?.screenResultsHidden) return false;
  return resultsVisible(viewer, snapshot.summary.rules, snapshot.summary.votingEnded);
}

const frozen = (snapshot: RoundSnapshot) => (snapshot.show?.frozenAt ?? null) !== null;

/**
 * The board a viewer gets (HTTP and `board:join`): nothing when it may not see results (null: a screen whose key
 * was replaced), the live board for the organiser, the public one (frozen, or resolved up to the reveal's step)
 * for everyone else.
 */
export function boardFor(viewer: Viewer | null, snapshot: RoundSnapshot): Leaderboard {
  if (viewer === null || !canSeeResults(viewer, snapshot)) return hideResults(snapshot.board);
  return viewer.kind === "admin" ? snapshot.board : publicBoard(snapshot.board, snapshot.show);
}

/** A board with votes and ranks taken out: what a viewer who may not see results gets. */
export function hideResults(board: Leaderboard): Leaderboard {
  return { ...board, resultsHidden: true, entries: [] };
}

export function hideChanges(update: LeaderboardUpdate): LeaderboardUpdate {
  return { ...update, changes: [] };
}
