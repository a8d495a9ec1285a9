import type { LeaderboardEntry } from "@lb/common";
import { rankEntries } from "@lb/common";
import { describe, expect, it } from "vitest";
import { DEFAULT_TOP, parseScreenOptions, placesMoved, restPages, splitBoard } from "./screen-options";

describe("parseScreenOptions", () => {
  it("reads the key, the number of rows and the theme", () => {
    expect(parseScreenOptions("?key=abc&top=5&theme=light")).toEqual({ screenKey: "abc", top: 5, theme: "light" });
  });

  it("defaults to ten rows, the dark theme and no key", () => {
    expect(parseScreenOptions("")).toEqual({ screenKey: null, top: DEFAULT_TOP, theme: "dark" });
    expect(parseScreenOptions("?key=&top=0&theme=pink")).toEqual({ screenKey: null, top: DEFAULT_TOP, theme: "dark" });
    expect(parseScreenOptions("?top=99").top).toBe(DEFAULT_TOP);
    expect(parseScreenOptions("?top=2.5").top).toBe(DEFAULT_TOP);
  });
});

const entries: LeaderboardEntry[] = Array.from({ length: 25 }, (_, i) => ({
  optionId: String(i + 1),
  number: i + 1,
  title: `#${i + 1}`,
  votes: 25 - i,
  rank: i + 1,
}));

/** Entries ranked by competition ranks from a list of vote counts (most first). */
function ranked(votes: number[]): LeaderboardEntry[] {
  return rankEntries(votes.map((v, i) => ({ optionId: String(i + 1), number: i + 1, title: `#${i + 1}`, votes: v })));
}

describe("splitBoard", () => {
  it("gives the top rows their place and the rest to the side panel", () => {
    const { main, rest } = splitBoard(entries, 10);
    expect(main.map((e) => e.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rest[0]?.rank).toBe(11);
  });

  it("does not split a tie between the top rows and the panel", () => {
    // A three-way tie at 9th: positions 9, 10 and 11 share rank 9.
    const board = ranked([20, 19, 18, 17, 16, 15, 14, 13, 9, 9, 9, 5, 4, 3]);
    const { main, rest } = splitBoard(board, 10);
    expect(main.map((e) => e.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(rest.slice(0, 4).map((e) => e.rank)).toEqual([9, 9, 9, 12]);
  });

  it("keeps a full list when the tie would empty more than half of it (early in a vote)", () => {
    const board = ranked([3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(splitBoard(board, 10).main).toHaveLength(10);
  });
});

describe("restPages", () => {
  it("pages the options below the top rows, headed by their ranks", () => {
    const pages = restPages(entries.slice(10), 6);
    expect(pages.map((page) => [page.from, page.to])).toEqual([
      [11, 16],
      [17, 22],
      [23, 25],
    ]);
    expect(pages[0]?.entries[0]?.optionId).toBe("11");
  });

  it("names competition ranks and ends pages between ties", () => {
    const { rest } = splitBoard(ranked([20, 19, 18, 17, 16, 15, 14, 13, 9, 9, 9, 5, 5, 5, 4, 3, 2, 2]), 10);
    const pages = restPages(rest, 5);
    expect(pages.map((page) => page.entries.map((e) => e.rank))).toEqual([
      [9, 9, 9],
      [12, 12, 12, 15, 16],
      [17, 17],
    ]);
    expect(pages.map((page) => [page.from, page.to])).toEqual([
      [9, 9],
      [12, 16],
      [17, 17],
    ]);
  });

  it("has no pages when every option fits in the top rows", () => {
    expect(restPages([], 6)).toEqual([]);
  });
});

describe("placesMoved", () => {
  it("counts places gained and lost, and ignores new rows and options without votes", () => {
    expect(placesMoved(5, 2, 3)).toBe(3);
    expect(placesMoved(2, 4, 3)).toBe(-2);
    expect(placesMoved(undefined, 4, 3)).toBe(0);
    expect(placesMoved(1, 2, 0)).toBe(0);
  });
});
