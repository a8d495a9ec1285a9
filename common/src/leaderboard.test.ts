import { describe, expect, it } from "vitest";
import { applyLeaderboardUpdate, rankEntries } from "./leaderboard.js";
import type { Leaderboard } from "./schemas.js";

const entry = (number: number, votes: number) => ({ optionId: String(number), number, title: `#${number}`, votes });

describe("rankEntries", () => {
  it("orders by votes then number and shares ranks between ties", () => {
    const ranked = rankEntries([entry(3, 5), entry(1, 2), entry(2, 5), entry(4, 2), entry(5, 0)]);
    expect(ranked.map((e) => [e.number, e.rank])).toEqual([
      [2, 1],
      [3, 1],
      [1, 3],
      [4, 3],
      [5, 5],
    ]);
  });

  it("returns an empty list for no entries", () => {
    expect(rankEntries([])).toEqual([]);
  });
});

describe("applyLeaderboardUpdate", () => {
  const board: Leaderboard = {
    roundId: "r",
    epoch: 1,
    seq: 4,
    status: "open",
    totalBallots: 3,
    resultsHidden: false,
    entries: rankEntries([entry(1, 2), entry(2, 1), entry(3, 0)]),
  };

  it("applies changes that build on the board and re-sorts", () => {
    const next = applyLeaderboardUpdate(board, {
      roundId: "r",
      epoch: 1,
      prevSeq: 4,
      seq: 6,
      status: "open",
      totalBallots: 5,
      // Only #3's votes changed: #1 and #2 move down a rank all the same.
      changes: [["3", 3]],
    });
    expect(next?.seq).toBe(6);
    expect(next?.totalBallots).toBe(5);
    expect(next?.entries.map((e) => [e.optionId, e.votes, e.rank])).toEqual([
      ["3", 3, 1],
      ["1", 2, 2],
      ["2", 1, 3],
    ]);
  });

  it("ranks ties as rankEntries does and keeps the entries that did not move as they were", () => {
    const next = applyLeaderboardUpdate(board, {
      roundId: "r",
      epoch: 1,
      prevSeq: 4,
      seq: 5,
      status: "open",
      totalBallots: 4,
      changes: [["3", 2]],
    });
    const expected = rankEntries([entry(1, 2), entry(2, 1), entry(3, 2)]);
    expect(next?.entries).toEqual(expected);
    // #1 keeps its votes and its rank: the same object; #2 drops to rank 3: a new one.
    expect(next?.entries[0]).toBe(board.entries[0]);
    expect(next?.entries[2]).not.toBe(board.entries[1]);
  });

  it("refuses an update with a gap or from another epoch", () => {
    const base = { roundId: "r", status: "open" as const, totalBallots: 5, changes: [] };
    expect(applyLeaderboardUpdate(board, { ...base, epoch: 1, prevSeq: 5, seq: 6 })).toBeNull();
    expect(applyLeaderboardUpdate(board, { ...base, epoch: 2, prevSeq: 4, seq: 6 })).toBeNull();
  });
});

describe("applyLeaderboardUpdate with exclusions", () => {
  const board: Leaderboard = {
    roundId: "r",
    epoch: 1,
    seq: 1,
    status: "open",
    totalBallots: 2,
    resultsHidden: false,
    entries: rankEntries([entry(1, 2), entry(2, 0)]),
  };
  const update = { roundId: "r", epoch: 1, status: "open" as const, changes: [] };

  it("takes the excluded note from the update that carries it, keeps it otherwise, drops it at zero", () => {
    const excluded = { ballots: 1, reasons: [{ reason: "stuffing", ballots: 1 }] };
    const out = applyLeaderboardUpdate(board, { ...update, prevSeq: 1, seq: 2, totalBallots: 1, excluded });
    expect(out?.excluded).toEqual(excluded);
    const kept = out && applyLeaderboardUpdate(out, { ...update, prevSeq: 2, seq: 3, totalBallots: 2 });
    expect(kept?.excluded).toEqual(excluded);
    const back =
      kept &&
      applyLeaderboardUpdate(kept, {
        ...update,
        prevSeq: 3,
        seq: 4,
        totalBallots: 3,
        excluded: { ballots: 0, reasons: [] },
      });
    expect(back).not.toHaveProperty("excluded");
  });
});
