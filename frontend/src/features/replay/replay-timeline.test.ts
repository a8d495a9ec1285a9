import type { ReplayFeed } from "@lb/common";
import { describe, expect, it } from "vitest";
import { frameAt, frameEntries } from "./replay-timeline";

const feed: ReplayFeed = {
  roundId: "r",
  epoch: 1,
  resultsHidden: false,
  startMs: 0,
  endMs: 2500,
  stepMs: 1000,
  options: [
    { optionId: "a", number: 1, title: "A" },
    { optionId: "b", number: 2, title: "B" },
  ],
  frames: [
    { votes: [1, 0], ballots: 1 },
    { votes: [1, 2], ballots: 3 },
    { votes: [1, 3], ballots: 4 },
    { votes: [4, 3], ballots: 7 },
  ],
};

describe("replay timeline", () => {
  it("maps round time to frames, clamped to the first and last", () => {
    expect([-5, 0, 999, 1000, 2999, 3000, 99_999].map((ms) => frameAt(feed, ms))).toEqual([0, 0, 0, 1, 2, 3, 3]);
    expect(frameAt({ stepMs: 1000, frames: [] }, 5000)).toBe(0);
  });

  it("ranks a frame like the live board", () => {
    expect(frameEntries(feed, 1).map((entry) => [entry.optionId, entry.votes, entry.rank])).toEqual([
      ["b", 2, 1],
      ["a", 1, 2],
    ]);
    expect(frameEntries(feed, 3)[0]).toMatchObject({ optionId: "a", votes: 4, rank: 1 });
  });
});
