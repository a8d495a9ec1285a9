import { rankEntries } from "./leaderboard.js";
import type { LeaderboardEntry } from "./schemas.js";

/** Bounds of the show's settings (countdown warnings, reveal length, scheduled freeze). */
export const SHOW_LIMITS = {
  /** Countdown warning marks, in seconds before `closesAt`, when the round sets none. */
  defaultCountdownWarnings: [60, 10] as readonly number[],
  countdownWarningsMax: 5,
  countdownWarningMaxSeconds: 3600,
  /** Rows resolved one by one at the reveal (the top N), when the round sets none. */
  defaultRevealTop: 10,
  revealTopMin: 3,
  revealTopMax: 50,
  /** A paced reveal: one step every this many seconds, after the organiser's first step. */
  revealPaceMinSeconds: 1,
  revealPaceMaxSeconds: 300,
  /** A scheduled freeze: at most this many seconds before `closesAt`. */
  freezeBeforeMaxSeconds: 24 * 3600,
} as const;

/**
 * What every viewer learns of the show with the board (`Leaderboard.show`): whether screens hide results, whether
 * the public board is frozen (and since when), where the reveal stands, and the countdown's warning marks.
 */
export interface ShowState {
  /** The organiser's "hide results on screens" switch (screens only; the rules still apply to everyone). */
  screenResultsHidden: boolean;
  /** ISO time of the freeze; null when the public board is live. */
  frozenAt: string | null;
  /** Seconds before `closesAt` at which the round freezes by itself (null: no scheduled freeze). */
  freezeBeforeSeconds: number | null;
  /** The reveal, once the round is closed and frozen; null otherwise. */
  reveal: RevealState | null;
  /** Seconds before `closesAt` at which the countdown warns (largest first). */
  countdownWarnings: number[];
  revealTop: number;
  /** Seconds between reveal steps taken by the server after the organiser's first one (null: by hand only). */
  revealPaceSeconds: number | null;
}

export interface RevealState {
  /** Steps taken (0: the frozen board; `steps`: the final board; `steps + 1`: the podium). */
  step: number;
  /** Options resolved one by one. */
  steps: number;
  /** The option the last step resolved (null before the first step and at the podium). */
  current: string | null;
  podium: boolean;
}

/** What every organiser show route answers: where the show stands now (null: the epoch has none yet). */
export interface ShowResponse {
  roundId: string;
  epoch: number;
  show: ShowState | null;
}

type Votes = ReadonlyMap<string, number>;

export interface RevealPlan {
  /** Options in the order the reveal resolves them. */
  order: string[];
}

/**
 * The resolver's order, like a programming contest's: start from the frozen board; each step takes the lowest
 * placed option not resolved yet among those that can finish in the top N (in the frozen or the final top N) and
 * gives it its hidden votes, so it climbs to its place. Options outside both top Ns never reach the top N (votes
 * only grow), so they are resolved all at once with the last step.
 */
export function revealPlan(entries: readonly LeaderboardEntry[], frozen: Votes, top: number): RevealPlan {
  const frozenBoard = rankEntries(entries.map((entry) => ({ ...entry, votes: frozen.get(entry.optionId) ?? 0 })));
  const candidates = new Set([
    ...frozenBoard.filter((entry) => entry.rank <= top).map((entry) => entry.optionId),
    ...entries.filter((entry) => entry.rank <= top).map((entry) => entry.optionId),
  ]);
  const order: string[] = [];
  const finalVotes = new Map(entries.map((entry) => [entry.optionId, entry.votes]));
  for (let step = 0; step < candidates.size; step++) {
    const board = revealEntries(entries, frozen, order, finalVotes);
    // The lowest placed unresolved candidate (rankEntries breaks ties by option number: the later one first).
    const next = [...board]
      .reverse()
      .find((entry) => candidates.has(entry.optionId) && !order.includes(entry.optionId));
    if (!next) break;
    order.push(next.optionId);
  }
  return { order };
}

/** The board with the resolved options at their final votes and every other at its frozen votes. */
function revealEntries(
  entries: readonly LeaderboardEntry[],
  frozen: Votes,
  resolved: readonly string[],
  finalVotes: Votes,
): LeaderboardEntry[] {
  const done = new Set(resolved);
  return rankEntries(
    entries.map(({ optionId, number, title }) => ({
      optionId,
      number,
      title,
      votes: done.has(optionId) ? (finalVotes.get(optionId) ?? 0) : (frozen.get(optionId) ?? 0),
    })),
  );
}

/**
 * What the public sees at `step` of a reveal: the frozen board with the first `step` options of the plan resolved;
 * at the last step (and the podium) the final board itself.
 */
export function revealBoardAt(
  entries: readonly LeaderboardEntry[],
  frozen: Votes,
  plan: RevealPlan,
  step: number,
): LeaderboardEntry[] {
  if (step >= plan.order.length) return [...entries];
  const finalVotes = new Map(entries.map((entry) => [entry.optionId, entry.votes]));
  return revealEntries(entries, frozen, plan.order.slice(0, Math.max(0, step)), finalVotes);
}

/** The frozen board: the same options ranked by their votes at the freeze. */
export function frozenEntries(entries: readonly LeaderboardEntry[], frozen: Votes): LeaderboardEntry[] {
  return revealEntries(entries, frozen, [], new Map());
}
