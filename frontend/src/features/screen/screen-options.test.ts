import type { LeaderboardEntry } from "@lb/common";
import { describe, expect, it } from "vitest";
import { DEFAULT_TOP, parseScreenOptions, placesMoved, restPages } from "./screen-options";

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

describe("restPages", () => {
  it("pages the options below the top rows", () => {
    const pages = restPages(entries, 10, 6);
    expect(pages.map((page) => [page.from, page.to])).toEqual([
      [11, 16],
      [17, 22],
      [23, 25],
    ]);
    expect(pages[0]?.entries[0]?.optionId).toBe("11");
  });

  it("has no pages when every option fits in the top rows", () => {
    expect(restPages(entries.slice(0, 8), 10, 6)).toEqual([]);
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
