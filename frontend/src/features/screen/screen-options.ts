import type { LeaderboardEntry } from "@lb/common";

export type ScreenTheme = "dark" | "light";

export interface ScreenOptions {
  /** The round's screen key, made by the console; null when the link has none. */
  screenKey: string | null;
  /** How many options get a full row; the rest rotate in a compact list. */
  top: number;
  theme: ScreenTheme;
}

export const DEFAULT_TOP = 10;
/** More rows than this would be unreadable from the back of a hall at 1080p. */
export const MAX_TOP = 20;

/** Reads `?key=…&top=N&theme=dark|light`; anything out of range falls back to the default rather than failing. */
export function parseScreenOptions(search: string): ScreenOptions {
  const params = new URLSearchParams(search);
  const key = params.get("key")?.trim() || null;
  const topText = params.get("top") ?? "";
  const top = /^\d{1,3}$/.test(topText) ? Number(topText) : DEFAULT_TOP;
  return {
    screenKey: key,
    top: top >= 1 && top <= MAX_TOP ? top : DEFAULT_TOP,
    theme: params.get("theme") === "light" ? "light" : "dark",
  };
}

export interface RestPage {
  entries: LeaderboardEntry[];
  /** Competition ranks of the page's first and last rows, for the heading "ranks 9–18 of 64". */
  from: number;
  to: number;
}

/**
 * Where a list of `size` rows starting at `start` should end: before a tie group that the plain cut would split,
 * so that a three-way tie at 9th is seen together. Early in a vote many options share few votes; a cut that would
 * leave fewer than half the rows keeps the plain cut instead (the tied rows still show their shared rank).
 */
function cutBefore(entries: readonly LeaderboardEntry[], start: number, size: number): number {
  const plain = Math.min(entries.length, start + size);
  const last = entries[plain - 1];
  const next = entries[plain];
  if (!last || !next || last.rank !== next.rank) return plain;
  let cut = plain - 1;
  while (cut > start && entries[cut - 1]?.rank === last.rank) cut -= 1;
  return cut - start >= Math.ceil(size / 2) ? cut : plain;
}

/** The full rows (at most `top`, never splitting a tie) and the options after them, for the side panel. */
export function splitBoard(
  entries: readonly LeaderboardEntry[],
  top: number,
): { main: LeaderboardEntry[]; rest: LeaderboardEntry[] } {
  const cut = cutBefore(entries, 0, top);
  return { main: entries.slice(0, cut), rest: entries.slice(cut) };
}

/** The side panel's options cut into pages that the screen shows one after another; pages end between ties too. */
export function restPages(rest: readonly LeaderboardEntry[], pageSize: number): RestPage[] {
  const pages: RestPage[] = [];
  const size = Math.max(1, pageSize);
  for (let start = 0; start < rest.length; ) {
    const end = cutBefore(rest, start, size);
    const slice = rest.slice(start, end);
    pages.push({ entries: slice, from: slice[0]?.rank ?? 0, to: slice[slice.length - 1]?.rank ?? 0 });
    start = end;
  }
  return pages;
}

/** Net places gained (positive) or lost since `before`; ties at zero votes are not movement worth showing. */
export function placesMoved(before: number | undefined, now: number, votes: number): number {
  if (before === undefined || votes === 0) return 0;
  return before - now;
}
