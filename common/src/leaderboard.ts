import type { Leaderboard, LeaderboardEntry, LeaderboardUpdate } from "./schemas.js";

/** Orders entries by votes (most first), then option number, and gives ties the same rank (1, 2, 2, 4). */
export function rankEntries(entries: readonly Omit<LeaderboardEntry, "rank">[]): LeaderboardEntry[] {
  const sorted = [...entries].sort((a, b) => b.votes - a.votes || a.number - b.number);
  let rank = 0;
  return sorted.map((entry, index) => {
    if (index === 0 || entry.votes !== sorted[index - 1]?.votes) rank = index + 1;
    return { ...entry, rank };
  });
}

/**
 * Applies a live update to a board: the changed options' votes, then every rank again. Returns `null` when the update does not build on this board (another
 * epoch, or `prevSeq` is not the board's `seq`): the caller must then rejoin for a fresh snapshot.
 */
export function applyLeaderboardUpdate(board: Leaderboard, update: LeaderboardUpdate): Leaderboard | null {
  if (update.roundId !== board.roundId || update.epoch !== board.epoch || update.prevSeq !== board.seq) {
    return null;
  }
  const changed = new Map(update.changes);
  const entries = board.entries.map((entry) => {
    const votes = changed.get(entry.optionId);
    return votes === undefined || votes === entry.votes ? entry : { ...entry, votes };
  });
  // Ranked again as rankEntries ranks (votes, then option number); an entry whose votes and rank did not change
  // stays the same object, so that a projector animates only what moved.
  entries.sort((a, b) => b.votes - a.votes || a.number - b.number);
  let rank = 0;
  for (const [index, entry] of entries.entries()) {
    if (index === 0 || entry.votes !== entries[index - 1]?.votes) rank = index + 1;
    if (entry.rank !== rank) entries[index] = { ...entry, rank };
  }
  const next: Leaderboard = {
    ...board,
    seq: update.seq,
    status: update.status,
    totalBallots: update.totalBallots,
    entries,
  };
  if (update.excluded) {
    // Exclusions come with the update that changed the tally; an all-undone summary clears the board's note.
    if (update.excluded.ballots > 0) next.excluded = update.excluded;
    else delete next.excluded;
  }
  return next;
}
