import { describe, expect, it } from "vitest";
import { clockOffset, nextWindowEdge, votePhase } from "./vote-phase";

const at = (iso: string) => Date.parse(iso);
const noWindow = { opensAt: null, closesAt: null };
const window = { opensAt: "2026-11-27T09:00:00Z", closesAt: "2026-11-27T10:00:00Z" };

describe("votePhase", () => {
  it("follows the organiser's status when there is no window", () => {
    const now = at("2026-11-27T09:30:00Z");
    expect(votePhase("draft", noWindow, now)).toEqual({ kind: "upcoming", opensAt: null });
    expect(votePhase("open", noWindow, now)).toEqual({ kind: "open", closesAt: null });
    expect(votePhase("paused", noWindow, now)).toEqual({ kind: "paused" });
    expect(votePhase("closed", noWindow, now)).toEqual({ kind: "ended" });
  });

  it("narrows an open round to its window", () => {
    expect(votePhase("open", window, at("2026-11-27T08:59:59Z"))).toEqual({
      kind: "upcoming",
      opensAt: window.opensAt,
    });
    expect(votePhase("open", window, at("2026-11-27T09:00:00Z"))).toEqual({ kind: "open", closesAt: window.closesAt });
    expect(votePhase("open", window, at("2026-11-27T10:00:00Z"))).toEqual({ kind: "ended" });
    expect(votePhase("paused", window, at("2026-11-27T10:00:01Z"))).toEqual({ kind: "ended" });
    expect(votePhase("draft", window, at("2026-11-27T08:00:00Z"))).toEqual({
      kind: "upcoming",
      opensAt: window.opensAt,
    });
  });
});

describe("nextWindowEdge", () => {
  it("is the next opening or closing still ahead", () => {
    expect(nextWindowEdge(window, at("2026-11-27T08:00:00Z"))).toBe(at(window.opensAt));
    expect(nextWindowEdge(window, at("2026-11-27T09:00:00Z"))).toBe(at(window.closesAt));
    expect(nextWindowEdge(window, at("2026-11-27T10:00:00Z"))).toBeNull();
    expect(nextWindowEdge(noWindow, 0)).toBeNull();
  });
});

describe("clockOffset", () => {
  it("is the server's time minus this device's", () => {
    expect(clockOffset("2026-11-27T09:00:05Z", at("2026-11-27T09:00:00Z"))).toBe(5_000);
    expect(clockOffset("garbage", 123)).toBe(0);
  });
});
