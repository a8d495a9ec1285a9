import { applyLeaderboardUpdate, type Leaderboard, type LeaderboardUpdate } from "@lb/common";

export type UpdateOutcome = { action: "apply"; board: Leaderboard } | { action: "ignore" } | { action: "rejoin" };

/**
 * What a live board does with an incoming update: apply it, ignore it (another round, no snapshot yet, or
 * already contained in the snapshot), or rejoin for a fresh snapshot because it does not build on this board.
 */
export function reconcileUpdate(board: Leaderboard | null, update: LeaderboardUpdate, roundId: string): UpdateOutcome {
  if (update.roundId !== roundId || board === null) return { action: "ignore" };
  // Updates sent before the snapshot was read arrive late; the snapshot already holds them.
  if (update.epoch < board.epoch || (update.epoch === board.epoch && update.seq <= board.seq)) {
    return { action: "ignore" };
  }
  const next = applyLeaderboardUpdate(board, update);
  return next ? { action: "apply", board: next } : { action: "rejoin" };
}

/** An option's share of the ballots (each ballot may pick several options, so shares do not add up to 1). */
export function shareOfBallots(votes: number, totalBallots: number): number {
  return totalBallots > 0 ? votes / totalBallots : 0;
}
