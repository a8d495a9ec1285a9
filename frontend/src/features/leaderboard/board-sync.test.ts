import { type Leaderboard, type LeaderboardUpdate, rankEntries } from "@lb/common";
import { describe, expect, it } from "vitest";
import { reconcileUpdate, shareOfBallots } from "./board-sync";

const board: Leaderboard = {
  roundId: "r",
  epoch: 2,
  seq: 10,
  status: "open",
  totalBallots: 4,
  resultsHidden: false,
  entries: rankEntries([
    { optionId: "1", number: 1, title: "one", votes: 3 },
    { optionId: "2", number: 2, title: "two", votes: 1 },
  ]),
};

const update = (overrides: Partial<LeaderboardUpdate>): LeaderboardUpdate => ({
  roundId: "r",
  epoch: 2,
  prevSeq: 10,
  seq: 12,
  status: "open",
  totalBallots: 6,
  changes: [["2", 4]],
  ...overrides,
});

describe("reconcileUpdate", () => {
  it("applies an update that builds on the board", () => {
    const outcome = reconcileUpdate(board, update({}), "r");
    expect(outcome.action).toBe("apply");
    if (outcome.action !== "apply") return;
    expect(outcome.board.seq).toBe(12);
    expect(outcome.board.totalBallots).toBe(6);
    expect(outcome.board.entries.map((e) => [e.optionId, e.votes, e.rank])).toEqual([
      ["2", 4, 1],
      ["1", 3, 2],
    ]);
  });

  it("asks to rejoin when updates were missed or the epoch moved on", () => {
    expect(reconcileUpdate(board, update({ prevSeq: 11, seq: 13 }), "r")).toEqual({ action: "rejoin" });
    expect(reconcileUpdate(board, update({ epoch: 3, prevSeq: 0, seq: 1 }), "r")).toEqual({ action: "rejoin" });
  });

  it("ignores other rounds, stale updates and updates before the first snapshot", () => {
    expect(reconcileUpdate(board, update({ roundId: "other" }), "r")).toEqual({ action: "ignore" });
    expect(reconcileUpdate(board, update({ prevSeq: 8, seq: 10 }), "r")).toEqual({ action: "ignore" });
    expect(reconcileUpdate(board, update({ epoch: 1, prevSeq: 40, seq: 41 }), "r")).toEqual({ action: "ignore" });
    expect(reconcileUpdate(null, update({}), "r")).toEqual({ action: "ignore" });
  });
});

describe("shareOfBallots", () => {
  it("divides votes by ballots and is 0 with no ballots", () => {
    expect(shareOfBallots(3, 4)).toBe(0.75);
    expect(shareOfBallots(0, 0)).toBe(0);
  });
});
