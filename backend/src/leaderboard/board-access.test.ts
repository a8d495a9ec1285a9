import { describe, expect, it } from "vitest";
import { type Grant, viewerNow } from "./board-access.js";

describe("viewerNow", () => {
  it("never grants more than was proved at join", () => {
    const screen: Grant = { viewer: { kind: "screen" }, epoch: 1, screenKey: "key-1" };
    expect(viewerNow(screen, 1, "key-1")).toEqual({ kind: "screen" });
    expect(viewerNow(screen, 1, "key-2")).toBeNull();
    expect(viewerNow(screen, 1, null)).toBeNull();

    const voted: Grant = { viewer: { kind: "voter", hasVoted: true }, epoch: 1 };
    expect(viewerNow(voted, 1, null)).toEqual({ kind: "voter", hasVoted: true });
    expect(viewerNow(voted, 2, null)).toEqual({ kind: "voter", hasVoted: false });

    expect(viewerNow({ viewer: { kind: "admin" }, epoch: 1 }, 3, "other")).toEqual({ kind: "admin" });
  });
});
