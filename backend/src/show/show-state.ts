import {
  frozenEntries,
  type Leaderboard,
  type RoundStatus,
  revealBoardAt,
  revealPlan,
  SHOW_LIMITS,
  type ShowState,
} from "@lb/common";

/** An epoch's show hash, parsed (keys.ts `show`). */
export interface ShowRecord {
  screenResultsHidden: boolean;
  freezeBeforeSeconds: number | null;
  /** ms; null while live. */
  frozenAt: number | null;
  /** Votes per option at the freeze. */
  frozenTally: Map<string, number>;
  revealStep: number;
  countdownWarnings: number[];
  revealTop: number;
  revealPaceSeconds: number | null;
  /** ms of the last reveal step (the pace counts from it). */
  revealAt: number | null;
}

const numberOrNull = (value: string | undefined) => (value ? Number(value) : null);

/** The show hash as stored; null when the epoch has none (the board then carries no `show`). */
export function parseShow(hash: Record<string, string>): ShowRecord | null {
  if (Object.keys(hash).length === 0) return null;
  const frozenTally = new Map<string, number>();
  for (const pair of (hash.frozenTally ?? "").split(",")) {
    const at = pair.lastIndexOf(":");
    if (at > 0) frozenTally.set(pair.slice(0, at), Number(pair.slice(at + 1)));
  }
  const warnings = hash.warnings === undefined ? null : hash.warnings.split(",").filter(Boolean).map(Number);
  return {
    screenResultsHidden: hash.hidden === "1",
    freezeBeforeSeconds: numberOrNull(hash.freezeBefore),
    frozenAt: numberOrNull(hash.frozenAt),
    frozenTally,
    revealStep: Number(hash.revealStep ?? 0),
    countdownWarnings: warnings ?? [...SHOW_LIMITS.defaultCountdownWarnings],
    revealTop: Number(hash.revealTop ?? SHOW_LIMITS.defaultRevealTop),
    revealPaceSeconds: numberOrNull(hash.revealPace),
    revealAt: numberOrNull(hash.revealAt),
  };
}

/** Whether the reveal is on: the round is closed and its public board frozen. */
const revealing = (show: ShowRecord, status: RoundStatus) => show.frozenAt !== null && status === "closed";

/** What every viewer learns of the show with the board (the live board's entries are the final ones). */
export function showState(show: ShowRecord, board: Leaderboard): ShowState {
  let reveal: ShowState["reveal"] = null;
  if (revealing(show, board.status)) {
    const { order } = revealPlan(board.entries, show.frozenTally, show.revealTop);
    const step = Math.min(show.revealStep, order.length + 1);
    reveal = {
      step,
      steps: order.length,
      current: step >= 1 && step <= order.length ? (order[step - 1] ?? null) : null,
      podium: step === order.length + 1,
    };
  }
  return {
    screenResultsHidden: show.screenResultsHidden,
    frozenAt: show.frozenAt === null ? null : new Date(show.frozenAt).toISOString(),
    freezeBeforeSeconds: show.freezeBeforeSeconds,
    reveal,
    countdownWarnings: [...show.countdownWarnings].sort((a, b) => b - a),
    revealTop: show.revealTop,
    revealPaceSeconds: show.revealPaceSeconds,
  };
}

/** The last reveal step (the podium) of a closed, frozen board. */
export function lastRevealStep(show: ShowRecord, board: Leaderboard): number {
  return revealPlan(board.entries, show.frozenTally, show.revealTop).order.length + 1;
}

const publicBoards = new WeakMap<Leaderboard, Leaderboard>();

/**
 * The board everyone but the organiser sees: the live one, or while frozen the standings at the freeze, and
 * during the reveal the frozen board resolved up to the current step. `seq`, status and the ballot count stay
 * the live ones, so the public board keeps the live seq chain (its updates carry no changes: see board-access).
 * Built once per snapshot.
 */
export function publicBoard(board: Leaderboard, show: ShowRecord | undefined): Leaderboard {
  if (!show || show.frozenAt === null) return board;
  const known = publicBoards.get(board);
  if (known) return known;
  let entries = frozenEntries(board.entries, show.frozenTally);
  if (revealing(show, board.status)) {
    const plan = revealPlan(board.entries, show.frozenTally, show.revealTop);
    entries = revealBoardAt(board.entries, show.frozenTally, plan, show.revealStep);
  }
  const result = { ...board, entries };
  publicBoards.set(board, result);
  return result;
}
