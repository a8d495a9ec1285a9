import { describe, expect, it } from "vitest";
import { rankEntries } from "./leaderboard.js";
import { frozenEntries, revealBoardAt, revealPlan } from "./show.js";

const board = (votes: Record<string, number>) =>
  rankEntries(
    Object.entries(votes).map(([id, v]) => ({ optionId: id, number: Number(id), title: `O${id}`, votes: v })),
  );

describe("the reveal", () => {
  // Frozen 1:5 2:4 3:3 4:2 5:1 6:0; final 6 climbs from last to first.
  const final = board({ "1": 5, "2": 4, "3": 3, "4": 2, "5": 2, "6": 6 });
  const frozen = new Map([
    ["1", 5],
    ["2", 4],
    ["3", 3],
    ["4", 2],
    ["5", 1],
    ["6", 0],
  ]);

  it("resolves the lowest placed option that can end in the top N first, then upwards", () => {
    expect(revealPlan(final, frozen, 3).order).toEqual(["6", "3", "2", "1"]);
    // Top 1: candidates are the frozen leader and the final leader.
    expect(revealPlan(final, frozen, 1).order).toEqual(["6", "1"]);
  });

  it("shows the frozen board, then each step's option at its final votes, then the final board", () => {
    const plan = revealPlan(final, frozen, 3);
    expect(frozenEntries(final, frozen).map((e) => e.optionId)).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(revealBoardAt(final, frozen, plan, 0).map((e) => e.votes)).toEqual([5, 4, 3, 2, 1, 0]);
    const one = revealBoardAt(final, frozen, plan, 1);
    expect(one.map((e) => e.optionId)).toEqual(["6", "1", "2", "3", "4", "5"]);
    expect(one.find((e) => e.optionId === "5")?.votes).toBe(1); // outside the top N: not resolved yet
    expect(revealBoardAt(final, frozen, plan, plan.order.length)).toEqual(final);
    expect(revealBoardAt(final, frozen, plan, plan.order.length + 1)).toEqual(final);
  });
});
