import type { Option } from "@lb/common";
import { describe, expect, it } from "vitest";
import { mergeRanges, parseQuery, rangesWithin, searchOptions, splitByRanges } from "./search";

const option = (number: number, title: string, description = ""): Option => ({
  id: String(number),
  number,
  title,
  description,
});

const options = [
  option(1, "“陆海联动，海铁直运”助力物流", "一、背景目的\n青岛港口便利与铁路运输优势"),
  option(2, "Smart Port Gate", "Faster customs at the port"),
  option(10, "跨境电商", "海关监管新模式"),
  option(12, "口岸营商环境", "优化口岸营商环境"),
  option(21, "No match here", "nothing"),
];

const numbers = (query: string) => searchOptions(options, parseQuery(query)).map((match) => match.option.number);

describe("searchOptions", () => {
  it("matches every option for an empty or blank query", () => {
    expect(numbers("")).toEqual([1, 2, 10, 12, 21]);
    expect(numbers("   ")).toEqual([1, 2, 10, 12, 21]);
  });

  it("matches a number exactly or as a prefix", () => {
    expect(numbers("12")).toEqual([12]);
    expect(numbers("1")).toEqual([1, 10, 12]);
    expect(numbers("#21")).toEqual([21]);
    expect(numbers("１２")).toEqual([12]); // full-width digits from a Chinese keyboard
    expect(numbers("3")).toEqual([]);
  });

  it("puts the option with that number first, then number prefixes, then text matches", () => {
    const withDigits = [...options, option(5, "Award 2012", "won in 2012"), option(120, "Later", "")];
    const found = searchOptions(withDigits, parseQuery("12")).map((match) => match.option.number);
    expect(found).toEqual([12, 120, 5]);
  });

  it("ranks options whose title matches above those found only in their description", () => {
    // The demo round's case: 检疫 is in #44's title and only in #3's description; #44 comes first.
    const demo = [
      option(3, "稳生产，“船铁直转”保障企业供应链", "……海关实施检疫监管……"),
      option(12, "突破欧盟贸易壁垒", "出口检疫……"),
      option(44, "优化出境竹木草制品检疫查检监管模式", "竹木草制品"),
    ];
    expect(searchOptions(demo, parseQuery("检疫")).map((match) => match.option.number)).toEqual([44, 3, 12]);
    // A title match on one term of several still ranks it up; numbers stay first.
    expect(searchOptions(demo, parseQuery("竹木 4")).map((match) => match.option.number)).toEqual([44]);
    expect(numbers("port")).toEqual([2]);
    expect(numbers("海")).toEqual([1, 10]); // 1 by title, 10 by description only
    expect(numbers("口岸")).toEqual([12]);
  });

  it("finds Chinese substrings in titles and descriptions", () => {
    expect(numbers("海铁")).toEqual([1]);
    expect(numbers("海关")).toEqual([10]);
    expect(numbers("口岸")).toEqual([12]);
    expect(numbers("铁路运输")).toEqual([1]);
  });

  it("is case-insensitive and needs every term", () => {
    expect(numbers("PORT")).toEqual([2]);
    expect(numbers("port customs")).toEqual([2]);
    expect(numbers("port 海关")).toEqual([]);
    expect(numbers("口岸　营商")).toEqual([12]); // a full-width space separates terms too
  });

  it("treats regular-expression characters literally", () => {
    expect(numbers(".*")).toEqual([]);
    expect(numbers("(")).toEqual([]);
  });

  it("reports where the terms matched, merged and in order", () => {
    const [match] = searchOptions(options, parseQuery("port"));
    expect(match?.title).toEqual([{ start: 6, end: 10 }]);
    expect(match?.description).toEqual([{ start: 22, end: 26 }]);
    expect(match?.numberMatch).toBe(false);
    const [twelve] = searchOptions(options, parseQuery("口岸 12"));
    expect(twelve?.numberMatch).toBe(true);
    expect(twelve?.title).toEqual([{ start: 0, end: 2 }]);
    expect(twelve?.description).toEqual([{ start: 2, end: 4 }]);
  });
});

describe("range helpers", () => {
  it("merges overlapping and touching ranges", () => {
    expect(
      mergeRanges([
        { start: 5, end: 8 },
        { start: 0, end: 2 },
        { start: 2, end: 3 },
        { start: 6, end: 10 },
      ]),
    ).toEqual([
      { start: 0, end: 3 },
      { start: 5, end: 10 },
    ]);
  });

  it("splits text into plain and highlighted pieces", () => {
    expect(splitByRanges("abcdef", [{ start: 1, end: 3 }])).toEqual([
      { text: "a", hit: false },
      { text: "bc", hit: true },
      { text: "def", hit: false },
    ]);
    expect(splitByRanges("abc", [])).toEqual([{ text: "abc", hit: false }]);
    expect(splitByRanges("abc", [{ start: 0, end: 3 }])).toEqual([{ text: "abc", hit: true }]);
  });

  it("clips ranges to a window and shifts them", () => {
    const ranges = [
      { start: 2, end: 6 },
      { start: 12, end: 14 },
    ];
    expect(rangesWithin(ranges, 4, 13)).toEqual([
      { start: 0, end: 2 },
      { start: 8, end: 9 },
    ]);
    expect(rangesWithin(ranges, 7, 11)).toEqual([]);
  });
});
