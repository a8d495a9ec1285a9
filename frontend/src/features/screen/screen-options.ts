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
  /** 1-based positions in the whole board, for "ranks 11–20 of 64". */
  from: number;
  to: number;
}

/** The options below the top rows, cut into pages that the screen shows one after another. */
export function restPages(entries: readonly LeaderboardEntry[], top: number, pageSize: number): RestPage[] {
  const pages: RestPage[] = [];
  for (let start = top; start < entries.length; start += pageSize) {
    const slice = entries.slice(start, start + pageSize);
    pages.push({ entries: slice, from: start + 1, to: start + slice.length });
  }
  return pages;
}

/** Net places gained (positive) or lost since `before`; ties at zero votes are not movement worth showing. */
export function placesMoved(before: number | undefined, now: number, votes: number): number {
  if (before === undefined || votes === 0) return 0;
  return before - now;
}
