import { describe, expect, it } from "vitest";
import { resultsVisible, votingEnded, votingOpen } from "./visibility.js";

const window = { opensAt: "2026-01-01T10:00:00Z", closesAt: "2026-01-01T12:00:00Z" };
const at = (time: string) => Date.parse(`2026-01-01T${time}Z`);

describe("voting window", () => {
  it("is open only while the round is open and the time is inside the window", () => {
    expect(votingOpen("open", window, at("09:59:59"))).toBe(false);
    expect(votingOpen("open", window, at("10:00:00"))).toBe(true);
    expect(votingOpen("open", window, at("11:59:59"))).toBe(true);
    expect(votingOpen("open", window, at("12:00:00"))).toBe(false);
    expect(votingOpen("paused", window, at("11:00:00"))).toBe(false);
    expect(votingOpen("open", { opensAt: null, closesAt: null }, 0)).toBe(true);
  });

  it("has ended when the round is closed or the window is over", () => {
    expect(votingEnded("open", window, at("11:00:00"))).toBe(false);
    expect(votingEnded("open", window, at("12:00:00"))).toBe(true);
    expect(votingEnded("closed", { opensAt: null, closesAt: null }, 0)).toBe(true);
    expect(votingEnded("paused", { opensAt: null, closesAt: null }, 0)).toBe(false);
  });
});

describe("resultsVisible", () => {
  const rules = (resultsVisibility: "always" | "afterVote" | "afterClose" | "never", screen = "always" as const) => ({
    resultsVisibility,
    screenVisibility: screen,
  });
  const voter = (hasVoted: boolean) => ({ kind: "voter" as const, hasVoted });

  it("follows the voters' rule for voters", () => {
    expect(resultsVisible(voter(false), rules("always"), false)).toBe(true);
    expect(resultsVisible(voter(false), rules("afterVote"), false)).toBe(false);
    expect(resultsVisible(voter(true), rules("afterVote"), false)).toBe(true);
    expect(resultsVisible(voter(false), rules("afterVote"), true)).toBe(true);
    expect(resultsVisible(voter(true), rules("afterClose"), false)).toBe(false);
    expect(resultsVisible(voter(true), rules("afterClose"), true)).toBe(true);
    expect(resultsVisible(voter(true), rules("never"), true)).toBe(false);
  });

  it("follows the screen's own rule for the screen, and shows everything to the organiser", () => {
    expect(resultsVisible({ kind: "screen" }, rules("never", "always"), false)).toBe(true);
    expect(
      resultsVisible({ kind: "screen" }, { resultsVisibility: "always", screenVisibility: "afterClose" }, false),
    ).toBe(false);
    expect(
      resultsVisible({ kind: "screen" }, { resultsVisibility: "never", screenVisibility: "afterClose" }, true),
    ).toBe(true);
    expect(resultsVisible({ kind: "admin" }, rules("never"), false)).toBe(true);
  });
});
